#!/usr/bin/env bash
# Builds and tests every compat project (a user's build: JUnit 5.12/5.14/6, Spring Boot 3.5/4.0 BOMs, Netty 4.1 and an
# old Jackson beside apptap) against the apptap artifacts in the local Maven repository: run `mvn install` at the top
# first. Extra Maven flags pass through: compat/run.sh -o -Dmaven.repo.local=/path/to/repo
# The first run on a machine resolves the projects' own dependencies (Boot's BOMs, JUnit versions) online; later runs
# work with -o. The OSPROXY tests attach eBPF: run as root (CI does).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# Fail at end: one project's failure still lets the others report.
exec mvn -B -fae -f "$here/pom.xml" "$@" test
