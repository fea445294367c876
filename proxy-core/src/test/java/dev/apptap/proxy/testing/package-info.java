/**
 * Test infrastructure for proxy-core's tests, on loopback only.
 * <ul>
 *   <li>{@link dev.apptap.proxy.testing.TestPki}: an upstream PKI independent of apptap's CA (root, server,
 *       self-signed and expired certificates; PEM, trust stores, Netty and JDK TLS contexts).</li>
 *   <li>{@link dev.apptap.proxy.testing.OriginServer}: a streaming HTTP/1.1 origin, plain or TLS, that records
 *       what it receives; {@link dev.apptap.proxy.testing.RawTcpServer}: a server-speaks-first line protocol.</li>
 *   <li>{@link dev.apptap.proxy.testing.RawHttpResponse} and {@link dev.apptap.proxy.testing.BytePattern}: read
 *       and verify responses byte for byte off raw sockets.</li>
 *   <li>{@link dev.apptap.proxy.testing.Clients}: real client programs as subprocesses that cannot hang a test.</li>
 *   <li>{@link dev.apptap.proxy.testing.NettyLeakDetection}: fails any test during which Netty reports a leak;
 *       registered for every proxy-core test.</li>
 * </ul>
 */
package dev.apptap.proxy.testing;
