/**
 * The composition root: {@link dev.apptap.proxy.session.InterceptionSession} wires the CA, trust files, engine, DNS
 * responder and redirector from one {@link dev.apptap.proxy.session.SessionOptions} value, and
 * {@link dev.apptap.proxy.session.RedirectorChoice} picks the first usable redirector. Front ends (JUnit, CLI, the
 * benchmark) use these and nothing from the engine or DNS packages.
 */
package dev.apptap.proxy.session;
