// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * apptap's Linux redirector: sends the TCP connections (and DNS queries) of chosen processes to apptap's
 * engine on loopback, and answers the engine's getsockopt(SO_ORIGINAL_DST) with where they were going.
 *
 * Attached to the cgroup-v2 root by EbpfRedirector (Java, through libbpf), with BPF links held by file
 * descriptors and never pinned, so everything detaches when the owning JVM dies.
 *
 *   connect4/6   TCP: rewrite the destination of an intercepted process to the engine's listener and keep
 *                the original by socket cookie. UDP/53: to the DNS responder. UDP/443 (QUIC): refuse.
 *   sendmsg4/6   unconnected UDP: DNS and QUIC as above.
 *   recvmsg4/6   UDP: give DNS replies back the source address the app sent its query to.
 *   getpeername4/6  a redirected socket names its original peer, not apptap's listener or responder.
 *   sockops      TCP_CONNECT_CB: the client's local port is known now; copy cookie -> original into
 *                port -> original, which is what the engine's accepted socket can name (its peer port).
 *   getsockopt   SOL_IP/SO_ORIGINAL_DST and SOL_IPV6/IP6T_SO_ORIGINAL_DST on the engine's accepted sockets;
 *                SOL_IP/APPTAP_SO_CONNECTOR (apptap's own option) on the same sockets: the process that connected.
 *   raw_tp       sched_process_fork: a child of an intercepted process is intercepted, and a child of a process
 *                in scope is in scope (in the kernel, before the child runs, so it has no window);
 *                sched_process_exec: evaluate the new executable's file name; sched_process_exit: forget the process.
 *
 * Which process is intercepted: `procs` (tgid -> verdict) first, else the spec's default from `config`.
 * Userspace fills `procs` for processes that exist when the spec changes (it reads /proc) and `names`
 * (executable file name -> verdict) for those that exec later. `excluded` (apptap's own JVM) always wins.
 *
 * Scope: with `config.scoped` set, only processes in `scope` are candidates at all. Userspace puts the scope's root
 * (a test JVM) and its running descendants there; the fork tracepoint adds each child of a process in scope before
 * the child runs. So two test JVMs that both intercept curl each get their own curls, not each other's.
 *
 * Several apptap engines may be attached at once (multi-attach on the cgroup root: test JVMs, `apptap watch`); every
 * connect runs through all their programs in attach order. The first program that redirects a TCP socket claims it
 * by setting SO_MARK to APPTAP_MARK; a later program that finds the mark on a socket it did not redirect itself
 * leaves it alone, so no connection is redirected twice (which would send it to the wrong engine with a wrong
 * original destination). UDP needs no claim: a rewritten datagram goes to a responder port, not 53 or 443.
 *
 * Network namespaces (containers): the programs see every process on the machine, but a redirect to 127.0.0.1:P
 * only reaches the engine when P listens in the app's own network namespace. So connects are redirected only in
 * namespaces listed in `netns_ready` (netns cookie -> state), where userspace opened the engine's listeners and the
 * DNS responder on the same ports as in its own namespace (the engine still talks upstream from the host). When an
 * intercepted program is exec'd in a namespace not listed yet, the exec tracepoint stops it (SIGSTOP, before its
 * first instruction) and tells userspace through the `netns_events` ring buffer; userspace opens the listeners
 * there, lists the namespace and continues the process (SIGCONT). A connect from an intercepted process in a
 * namespace that is not ready (no listeners could be opened, or no userspace to open them: the sudo helper) is
 * refused rather than sent on, so nothing an app meant for apptap leaves its namespace.
 *
 * Rebuild with build.sh (clang -O2 -g -target bpf); the object is committed, users need no compiler.
 */
#include <linux/types.h>
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_core_read.h>

#define AF_INET 2
#define AF_INET6 10
#define SOCK_STREAM 1
#define SOCK_DGRAM 2
#define IPPROTO_TCP 6
#define IPPROTO_UDP 17
#define SOL_IP 0
#define SOL_IPV6 41
#define SO_ORIGINAL_DST 80
#define SOL_SOCKET 1
#define SO_MARK 36
#define NAME_LEN 64
/* "aptp": the SO_MARK of a TCP socket some apptap engine redirected. Loopback routing ignores marks. */
#define APPTAP_MARK 0x61707470
#define PATH_LEN 256
#define COMM_LEN 16
/*
 * apptap's private getsockopt option (level SOL_IP; "aptc", far above every IP, multicast-routing and netfilter option
 * number the kernel knows, so the kernel itself answers ENOPROTOOPT). On the engine's accepted sockets this program
 * answers it with a struct connector: the process that connected, as recorded at connect() time, so the engine can
 * name a process that exited before it could look the socket's owner up. Java: SoOriginalDst.APPTAP_SO_CONNECTOR.
 */
#define APPTAP_SO_CONNECTOR 0x61707463

/* Only the fields we read; libbpf relocates them against the running kernel's BTF (CO-RE). */
struct task_struct {
	int pid;
	int tgid;
} __attribute__((preserve_access_index));

struct net {
	__u64 net_cookie;
} __attribute__((preserve_access_index));

struct nsproxy {
	struct net *net_ns;
} __attribute__((preserve_access_index));

struct task_struct___ns {
	struct nsproxy *nsproxy;
} __attribute__((preserve_access_index));

struct linux_binprm {
	const char *filename;
} __attribute__((preserve_access_index));

/* config[0]; written by userspace. Ports in host order, addresses in network order. */
struct config {
	__u32 listener_port;     /* the engine's transparent listener on 127.0.0.1 */
	__u32 listener_port6;    /* the engine's transparent listener on [::1] */
	__u32 dns_port;          /* 0 = no DNS interception */
	__u32 dns_ip4;           /* the DNS responder, IPv4 loopback */
	__u32 default_intercept; /* verdict for a process in neither procs nor names */
	__u32 scoped;            /* 1 = only processes in `scope` may be intercepted; 0 = any process (machine-wide) */
	__u32 explicit_port;     /* the engine's explicit proxy on loopback (LAUNCH mode's apps use it); 0 = none */
	__u32 stop_unready;      /* 1 = userspace opens listeners in new namespaces: stop a process exec'd in one */
};

/* netns_ready values */
#define NETNS_READY 1  /* the engine's listeners and DNS responder listen there on the same ports */
#define NETNS_FAILED 2 /* userspace could not open them: intercepted connects there are refused */

/* A process exec'd as an intercepted program in a namespace not in netns_ready; it is stopped until userspace
 * has prepared the namespace. */
struct netns_event {
	__u64 netns;
	__u32 tgid;
	__u32 held; /* 1: stopped at exec, continue it when ready; 0: a running process had a connect refused */
};

/* procs value */
struct verdict {
	__u8 intercept; /* 1 = send to the engine */
	__u8 inherited; /* an ancestor was intercepted when this process was forked */
	__u8 pinned;    /* named by pid in the spec: exec does not re-evaluate it */
	__u8 pad;
};

/* names value */
struct name_verdict {
	__u8 intercept; /* the spec's verdict for a process with this executable file name */
	__u8 excluded;  /* an exclusion item names it: it stays out even when an ancestor was intercepted */
	__u8 pad[2];
};

/* An original destination. family AF_INET: addr[0] is the IPv4 address; v4-mapped IPv6 is stored as AF_INET. */
struct orig {
	__u32 family;
	__u32 addr[4];  /* network order */
	__u32 port;     /* network order, low 16 bits */
	__u32 via_ip6;  /* 1 when sent to [::1]:P, 0 when sent to 127.0.0.1:P (also from v4-mapped sockets) */
	__u32 tgid;     /* the process that connected (its thread group id) */
	char comm[COMM_LEN]; /* and the kernel's short name of the connecting thread, for when the process is gone */
};

/* The answer to getsockopt(SOL_IP, APPTAP_SO_CONNECTOR); 20 bytes, tgid in host order. */
struct connector {
	__u32 tgid;
	char comm[COMM_LEN];
};

struct port_key {
	__u64 netns;    /* the network namespace (cookie) the connection lives in: ports repeat across namespaces */
	__u32 port;     /* the client's local port, host order */
	__u32 via_ip6;
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct config);
} config SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 65536);
	__type(key, __u32);
	__type(value, struct verdict);
} procs SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1024);
	__type(key, char[NAME_LEN]);
	__type(value, struct name_verdict);
} names SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1024);
	__type(key, __u32);
	__type(value, __u8);
} excluded SEC(".maps");

/* tgids in this engine's scope (the scope root and its descendants); read only when config.scoped is set. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 65536);
	__type(key, __u32);
	__type(value, __u8);
} scope SEC(".maps");

/* TCP and UDP sockets we redirected: client socket cookie -> original destination. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 65536);
	__type(key, __u64);
	__type(value, struct orig);
} by_cookie SEC(".maps");

/* Redirected TCP connections by the client's local port, for the engine's getsockopt. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 65536);
	__type(key, struct port_key);
	__type(value, struct orig);
} by_port SEC(".maps");

/* Network namespaces by cookie (bpf_get_netns_cookie): NETNS_READY or NETNS_FAILED; userspace lists its own. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4096);
	__type(key, __u64);
	__type(value, __u8);
} netns_ready SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 64 * 1024);
} netns_events SEC(".maps");

/* Scratch space for exec's path (too big for the stack next to the name key). */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, char[PATH_LEN]);
} path_buf SEC(".maps");

static __always_inline struct config *cfg(void)
{
	__u32 zero = 0;
	return bpf_map_lookup_elem(&config, &zero);
}

static __always_inline int intercepted(struct config *c)
{
	__u32 tgid = bpf_get_current_pid_tgid() >> 32;
	if (bpf_map_lookup_elem(&excluded, &tgid))
		return 0;
	if (c->scoped && !bpf_map_lookup_elem(&scope, &tgid))
		return 0;
	struct verdict *v = bpf_map_lookup_elem(&procs, &tgid);
	if (v)
		return v->intercept;
	return c->default_intercept;
}

static __always_inline int is_loopback4(__u32 ip4)
{
	return (bpf_ntohl(ip4) >> 24) == 127;
}

static __always_inline int is_v4_mapped(const __u32 *ip6)
{
	return ip6[0] == 0 && ip6[1] == 0 && ip6[2] == bpf_htonl(0xffff);
}

static __always_inline int is_loopback6(const __u32 *ip6)
{
	return ip6[0] == 0 && ip6[1] == 0 && ip6[2] == 0 && ip6[3] == bpf_htonl(1);
}

/*
 * Whether the engine listens in the namespace of this socket (ctx: a sock_addr context). When it does not and the
 * namespace is unknown, userspace is told, so that the process's next connection finds the engine (a process that was
 * running before the spec matched it was not held at exec).
 */
static __always_inline int netns_ok(struct bpf_sock_addr *ctx, struct config *c)
{
	__u64 netns = bpf_get_netns_cookie(ctx);
	__u8 *state = bpf_map_lookup_elem(&netns_ready, &netns);
	if (state)
		return *state == NETNS_READY;
	if (c->stop_unready) {
		struct netns_event *e = bpf_ringbuf_reserve(&netns_events, sizeof(*e), 0);
		if (e) {
			e->netns = netns;
			e->tgid = bpf_get_current_pid_tgid() >> 32;
			e->held = 0;
			bpf_ringbuf_submit(e, 0);
		}
	}
	return 0;
}

/* ---------------------------------------------------------------- connect4 / connect6 */

/* Another engine's program redirected this TCP socket (now, earlier in this connect, or in an earlier attempt). */
static __always_inline int claimed_by_another(struct bpf_sock_addr *ctx)
{
	int mark = 0;
	if (bpf_getsockopt(ctx, SOL_SOCKET, SO_MARK, &mark, sizeof(mark)) != 0 || mark != APPTAP_MARK)
		return 0;
	__u64 cookie = bpf_get_socket_cookie(ctx);
	return bpf_map_lookup_elem(&by_cookie, &cookie) == 0;
}

static __always_inline void claim(struct bpf_sock_addr *ctx)
{
	int mark = APPTAP_MARK;
	bpf_setsockopt(ctx, SOL_SOCKET, SO_MARK, &mark, sizeof(mark));
}

/* A loopback port of apptap's own (a listener or the DNS responder): never redirected, or we would loop. */
static __always_inline int own_port(struct config *c, __u16 port)
{
	return port == c->listener_port || port == c->listener_port6 || (c->dns_port && port == c->dns_port) ||
	       (c->explicit_port && port == c->explicit_port);
}

static __always_inline int remember(void *ctx, __u32 family, __u32 a0, __u32 a1, __u32 a2, __u32 a3,
				    __u32 port, __u32 via_ip6)
{
	struct orig o = {};
	o.family = family;
	o.addr[0] = a0;
	o.addr[1] = a1;
	o.addr[2] = a2;
	o.addr[3] = a3;
	o.port = port;
	o.via_ip6 = via_ip6;
	o.tgid = bpf_get_current_pid_tgid() >> 32;
	bpf_get_current_comm(o.comm, sizeof(o.comm));
	__u64 cookie = bpf_get_socket_cookie(ctx);
	bpf_map_update_elem(&by_cookie, &cookie, &o, BPF_ANY);
	return 1;
}

SEC("cgroup/connect4")
int apptap_connect4(struct bpf_sock_addr *ctx)
{
	struct config *c = cfg();
	if (!c || c->listener_port == 0)
		return 1;
	__u32 ip = ctx->user_ip4;
	__u16 port = bpf_ntohs(ctx->user_port);

	if (ctx->type == SOCK_STREAM) {
		if (is_loopback4(ip) && (own_port(c, port)))
			return 1; /* apptap's own listeners */
		if (!intercepted(c) || claimed_by_another(ctx))
			return 1;
		if (!netns_ok(ctx, c))
			return 0; /* no engine listens in this namespace: refuse rather than let it go elsewhere */
		claim(ctx);
		if (port == 53 && c->dns_port) {
			remember(ctx, AF_INET, ip, 0, 0, 0, ctx->user_port, 0);
			ctx->user_ip4 = c->dns_ip4;
			ctx->user_port = bpf_htons(c->dns_port);
			return 1;
		}
		remember(ctx, AF_INET, ip, 0, 0, 0, ctx->user_port, 0);
		ctx->user_ip4 = bpf_htonl(0x7f000001);
		ctx->user_port = bpf_htons(c->listener_port);
		return 1;
	}
	if (ctx->type == SOCK_DGRAM) {
		if (port != 53 && port != 443)
			return 1;
		if (is_loopback4(ip) && c->dns_port && port == c->dns_port)
			return 1;
		if (!intercepted(c))
			return 1;
		if (port == 443)
			return 0; /* QUIC: refused, the app falls back to TCP */
		if (!c->dns_port)
			return 1;
		if (!netns_ok(ctx, c))
			return 0;
		remember(ctx, AF_INET, ip, 0, 0, 0, ctx->user_port, 0);
		ctx->user_ip4 = c->dns_ip4;
		ctx->user_port = bpf_htons(c->dns_port);
	}
	return 1;
}

SEC("cgroup/connect6")
int apptap_connect6(struct bpf_sock_addr *ctx)
{
	struct config *c = cfg();
	if (!c || c->listener_port == 0)
		return 1;
	__u32 ip6[4];
	ip6[0] = ctx->user_ip6[0];
	ip6[1] = ctx->user_ip6[1];
	ip6[2] = ctx->user_ip6[2];
	ip6[3] = ctx->user_ip6[3];
	__u16 port = bpf_ntohs(ctx->user_port);
	int mapped = is_v4_mapped(ip6);
	int loop = mapped ? is_loopback4(ip6[3]) : is_loopback6(ip6);

	if (ctx->type == SOCK_STREAM) {
		if (loop && own_port(c, port))
			return 1;
		if (!intercepted(c) || claimed_by_another(ctx))
			return 1;
		if (!netns_ok(ctx, c))
			return 0;
		int to_dns = port == 53 && c->dns_port;
		if (!mapped && to_dns)
			return 1; /* the responder listens on IPv4 only; leave native IPv6 DNS over TCP alone */
		claim(ctx);
		if (mapped) {
			remember(ctx, AF_INET, ip6[3], 0, 0, 0, ctx->user_port, 0);
			ctx->user_ip6[0] = 0;
			ctx->user_ip6[1] = 0;
			ctx->user_ip6[2] = bpf_htonl(0xffff);
			ctx->user_ip6[3] = to_dns ? c->dns_ip4 : bpf_htonl(0x7f000001);
			ctx->user_port = bpf_htons(to_dns ? c->dns_port : c->listener_port);
			return 1;
		}
		remember(ctx, AF_INET6, ip6[0], ip6[1], ip6[2], ip6[3], ctx->user_port, 1);
		ctx->user_ip6[0] = 0;
		ctx->user_ip6[1] = 0;
		ctx->user_ip6[2] = 0;
		ctx->user_ip6[3] = bpf_htonl(1);
		ctx->user_port = bpf_htons(c->listener_port6);
		return 1;
	}
	if (ctx->type == SOCK_DGRAM) {
		if (port != 53 && port != 443)
			return 1;
		if (loop && c->dns_port && port == c->dns_port)
			return 1;
		if (!intercepted(c))
			return 1;
		if (port == 443)
			return 0;
		if (!c->dns_port || !mapped)
			return 1; /* native IPv6 DNS: an IPv4 responder cannot be reached from a v6-only path */
		if (!netns_ok(ctx, c))
			return 0;
		remember(ctx, AF_INET, ip6[3], 0, 0, 0, ctx->user_port, 0);
		ctx->user_ip6[3] = c->dns_ip4;
		ctx->user_port = bpf_htons(c->dns_port);
	}
	return 1;
}

/* ---------------------------------------------------------------- UDP: sendmsg / recvmsg */

SEC("cgroup/sendmsg4")
int apptap_sendmsg4(struct bpf_sock_addr *ctx)
{
	struct config *c = cfg();
	if (!c || c->listener_port == 0)
		return 1;
	__u32 ip = ctx->user_ip4;
	__u16 port = bpf_ntohs(ctx->user_port);
	if (port != 53 && port != 443)
		return 1;
	if (is_loopback4(ip) && c->dns_port && port == c->dns_port)
		return 1;
	if (!intercepted(c))
		return 1;
	if (port == 443)
		return 0;
	if (!c->dns_port)
		return 1;
	if (!netns_ok(ctx, c))
		return 0;
	remember(ctx, AF_INET, ip, 0, 0, 0, ctx->user_port, 0);
	ctx->user_ip4 = c->dns_ip4;
	ctx->user_port = bpf_htons(c->dns_port);
	return 1;
}

SEC("cgroup/sendmsg6")
int apptap_sendmsg6(struct bpf_sock_addr *ctx)
{
	struct config *c = cfg();
	if (!c || c->listener_port == 0)
		return 1;
	__u32 ip6[4];
	ip6[0] = ctx->user_ip6[0];
	ip6[1] = ctx->user_ip6[1];
	ip6[2] = ctx->user_ip6[2];
	ip6[3] = ctx->user_ip6[3];
	__u16 port = bpf_ntohs(ctx->user_port);
	if (port != 53 && port != 443)
		return 1;
	int mapped = is_v4_mapped(ip6);
	if (mapped && is_loopback4(ip6[3]) && c->dns_port && port == c->dns_port)
		return 1;
	if (!intercepted(c))
		return 1;
	if (port == 443)
		return 0;
	if (!c->dns_port || !mapped)
		return 1;
	if (!netns_ok(ctx, c))
		return 0;
	remember(ctx, AF_INET, ip6[3], 0, 0, 0, ctx->user_port, 0);
	ctx->user_ip6[3] = c->dns_ip4;
	ctx->user_port = bpf_htons(c->dns_port);
	return 1;
}

SEC("cgroup/recvmsg4")
int apptap_recvmsg4(struct bpf_sock_addr *ctx)
{
	struct config *c = cfg();
	if (!c || !c->dns_port)
		return 1;
	if (ctx->user_ip4 != c->dns_ip4 || bpf_ntohs(ctx->user_port) != c->dns_port)
		return 1;
	__u64 cookie = bpf_get_socket_cookie(ctx);
	struct orig *o = bpf_map_lookup_elem(&by_cookie, &cookie);
	if (!o || o->family != AF_INET)
		return 1;
	ctx->user_ip4 = o->addr[0];
	ctx->user_port = o->port;
	return 1;
}

SEC("cgroup/recvmsg6")
int apptap_recvmsg6(struct bpf_sock_addr *ctx)
{
	struct config *c = cfg();
	if (!c || !c->dns_port)
		return 1;
	if (ctx->user_ip6[0] != 0 || ctx->user_ip6[1] != 0 || ctx->user_ip6[2] != bpf_htonl(0xffff) ||
	    ctx->user_ip6[3] != c->dns_ip4 || bpf_ntohs(ctx->user_port) != c->dns_port)
		return 1;
	__u64 cookie = bpf_get_socket_cookie(ctx);
	struct orig *o = bpf_map_lookup_elem(&by_cookie, &cookie);
	if (!o || o->family != AF_INET)
		return 1;
	ctx->user_ip6[3] = o->addr[0];
	ctx->user_port = o->port;
	return 1;
}

/* ---------------------------------------------------------------- getpeername4 / getpeername6 */

SEC("cgroup/getpeername4")
int apptap_getpeername4(struct bpf_sock_addr *ctx)
{
	__u64 cookie = bpf_get_socket_cookie(ctx);
	struct orig *o = bpf_map_lookup_elem(&by_cookie, &cookie);
	if (!o || o->family != AF_INET)
		return 1;
	ctx->user_ip4 = o->addr[0];
	ctx->user_port = o->port;
	return 1;
}

SEC("cgroup/getpeername6")
int apptap_getpeername6(struct bpf_sock_addr *ctx)
{
	__u64 cookie = bpf_get_socket_cookie(ctx);
	struct orig *o = bpf_map_lookup_elem(&by_cookie, &cookie);
	if (!o)
		return 1;
	if (o->family == AF_INET) {
		ctx->user_ip6[0] = 0;
		ctx->user_ip6[1] = 0;
		ctx->user_ip6[2] = bpf_htonl(0xffff);
		ctx->user_ip6[3] = o->addr[0];
	} else {
		ctx->user_ip6[0] = o->addr[0];
		ctx->user_ip6[1] = o->addr[1];
		ctx->user_ip6[2] = o->addr[2];
		ctx->user_ip6[3] = o->addr[3];
	}
	ctx->user_port = o->port;
	return 1;
}

/* ---------------------------------------------------------------- sockops: client port -> original */

SEC("sockops")
int apptap_sockops(struct bpf_sock_ops *skops)
{
	if (skops->op != BPF_SOCK_OPS_TCP_CONNECT_CB)
		return 1;
	__u64 cookie = bpf_get_socket_cookie(skops);
	struct orig *o = bpf_map_lookup_elem(&by_cookie, &cookie);
	if (!o)
		return 1;
	struct port_key key = {};
	key.netns = bpf_get_netns_cookie(skops);
	key.port = skops->local_port;
	key.via_ip6 = o->via_ip6;
	bpf_map_update_elem(&by_port, &key, o, BPF_ANY);
	return 1; /* the cookie entry stays for getpeername; the LRU map forgets it eventually */
}

/* ---------------------------------------------------------------- getsockopt(SO_ORIGINAL_DST, APPTAP_SO_CONNECTOR) */

/*
 * The kernel runs this after its own getsockopt, with that call's error in ctx->retval (ENOENT without conntrack,
 * ENOPROTOOPT for APPTAP_SO_CONNECTOR); setting retval to 0 overrides it, and ctx->optlen says how much of optval
 * goes back to the caller. A socket this program does not know keeps the kernel's answer, so an nft redirect's
 * SO_ORIGINAL_DST still works, and APPTAP_SO_CONNECTOR fails with ENOPROTOOPT there.
 */
SEC("cgroup/getsockopt")
int apptap_getsockopt(struct bpf_sockopt *ctx)
{
	int connector = ctx->optname == APPTAP_SO_CONNECTOR && ctx->level == SOL_IP;
	if (!connector && (ctx->optname != SO_ORIGINAL_DST || (ctx->level != SOL_IP && ctx->level != SOL_IPV6)))
		return 1;
	struct bpf_sock *sk = ctx->sk;
	if (!sk)
		return 1;
	struct config *c = cfg();
	if (!c || c->listener_port == 0 || (sk->src_port != c->listener_port && sk->src_port != c->listener_port6))
		return 1; /* only the engine's accepted sockets */

	struct port_key key = {};
	key.netns = bpf_get_netns_cookie(ctx);
	key.port = bpf_ntohs(sk->dst_port);
	key.via_ip6 = sk->family == AF_INET6 && sk->src_ip6[0] == 0 && sk->src_ip6[1] == 0 &&
		      sk->src_ip6[2] == 0 && sk->src_ip6[3] == bpf_htonl(1);
	struct orig *o = bpf_map_lookup_elem(&by_port, &key);
	if (!o)
		return 1;

	void *optval = ctx->optval;
	void *end = ctx->optval_end;
	int len;
	if (connector) {
		if (optval + sizeof(struct connector) > end)
			return 1;
		struct connector *p = optval;
		p->tgid = o->tgid;
		__builtin_memcpy(p->comm, o->comm, COMM_LEN);
		len = sizeof(struct connector);
	} else if (ctx->level == SOL_IP) {
		if (o->family != AF_INET)
			return 1;
		if (optval + 16 > end)
			return 1;
		__u16 *fam = optval;
		fam[0] = AF_INET;
		fam[1] = (__u16)o->port;
		__u32 *a = optval;
		a[1] = o->addr[0];
		a[2] = 0;
		a[3] = 0;
		len = 16;
	} else {
		if (optval + 28 > end)
			return 1;
		__u16 *fam = optval;
		fam[0] = AF_INET6;
		fam[1] = (__u16)o->port;
		__u32 *a = optval;
		a[1] = 0; /* flowinfo */
		if (o->family == AF_INET) {
			a[2] = 0;
			a[3] = 0;
			a[4] = bpf_htonl(0xffff);
			a[5] = o->addr[0];
		} else {
			a[2] = o->addr[0];
			a[3] = o->addr[1];
			a[4] = o->addr[2];
			a[5] = o->addr[3];
		}
		a[6] = 0; /* scope id */
		len = 28;
	}
	ctx->optlen = len;
	/* Keep clang from merging the two adjacent 4-byte stores into one 8-byte store the verifier rejects. */
	asm volatile("" ::: "memory");
	ctx->retval = 0;
	return 1;
}

/* ---------------------------------------------------------------- process tracking */

SEC("raw_tp/sched_process_fork")
int apptap_fork(struct bpf_raw_tracepoint_args *ctx)
{
	struct task_struct *child = (struct task_struct *)ctx->args[1];
	int pid = BPF_CORE_READ(child, pid);
	int tgid = BPF_CORE_READ(child, tgid);
	if (pid != tgid)
		return 0; /* a new thread: same process, same verdict */
	__u32 parent = bpf_get_current_pid_tgid() >> 32;
	__u32 key = tgid;
	__u8 *in_scope = bpf_map_lookup_elem(&scope, &parent);
	if (in_scope) {
		__u8 one = 1;
		bpf_map_update_elem(&scope, &key, &one, BPF_ANY);
	}
	struct verdict *pv = bpf_map_lookup_elem(&procs, &parent);
	if (!pv)
		return 0;
	struct verdict v = {};
	v.intercept = pv->intercept;
	v.inherited = pv->intercept | pv->inherited;
	bpf_map_update_elem(&procs, &key, &v, BPF_ANY);
	return 0;
}

/*
 * An intercepted program starts in a namespace where the engine does not listen yet: stop it before its first
 * instruction and ask userspace to open the listeners there (userspace continues it). Without such a userspace
 * (config.stop_unready unset) its connects are refused instead, by netns_ok.
 */
static __always_inline void hold_until_netns_ready(__u32 tgid)
{
	struct config *c = cfg();
	if (!c || !c->stop_unready)
		return;
	if (bpf_map_lookup_elem(&excluded, &tgid) || (c->scoped && !bpf_map_lookup_elem(&scope, &tgid)))
		return; /* not this engine's to intercept */
	struct task_struct___ns *task = (struct task_struct___ns *)bpf_get_current_task();
	__u64 netns = BPF_CORE_READ(task, nsproxy, net_ns, net_cookie);
	if (bpf_map_lookup_elem(&netns_ready, &netns))
		return;
	struct netns_event *e = bpf_ringbuf_reserve(&netns_events, sizeof(*e), 0);
	if (!e)
		return; /* the ring is full: the process runs on, and its connects are refused until the namespace is ready */
	e->netns = netns;
	e->tgid = tgid;
	e->held = 1;
	/* Stop first, tell userspace second: its SIGCONT must not overtake the SIGSTOP. A pid namespace's init is
	 * stopped too, since the signal comes from the kernel. */
	if (bpf_send_signal(19) != 0) {
		bpf_ringbuf_discard(e, 0);
		return;
	}
	bpf_ringbuf_submit(e, 0);
}

SEC("raw_tp/sched_process_exec")
int apptap_exec(struct bpf_raw_tracepoint_args *ctx)
{
	__u32 tgid = bpf_get_current_pid_tgid() >> 32;
	struct linux_binprm *bprm = (struct linux_binprm *)ctx->args[2];
	const char *filename = BPF_CORE_READ(bprm, filename);
	__u32 zero = 0;
	char *path = bpf_map_lookup_elem(&path_buf, &zero);
	if (!path)
		return 0;
	long n = bpf_probe_read_kernel_str(path, PATH_LEN, filename);
	if (n <= 0)
		return 0;
	int start = 0;
	for (int i = 0; i < PATH_LEN; i++) {
		char ch = path[i];
		if (ch == 0)
			break;
		if (ch == '/')
			start = i + 1;
	}
	/* The file name after the last '/', read again from the kernel (a helper call, not a loop the verifier
	 * would have to walk for every possible start). */
	char name[NAME_LEN] = {};
	bpf_probe_read_kernel_str(name, NAME_LEN, filename + start);

	struct verdict *old = bpf_map_lookup_elem(&procs, &tgid);
	if (old && old->pinned)
		return 0;
	struct name_verdict *nv = bpf_map_lookup_elem(&names, name);
	struct verdict v = {};
	if (old && (old->intercept || old->inherited)) {
		/* An intercepted process (or a descendant of one) runs another program: a shim or a wrapper
		 * that execs the real binary stays intercepted unless an exclusion names the new program. */
		v.inherited = 1;
		v.intercept = !(nv && nv->excluded);
	} else if (nv) {
		v.intercept = nv->intercept;
	} else {
		if (old)
			bpf_map_delete_elem(&procs, &tgid);
		return 0; /* the spec's default applies */
	}
	bpf_map_update_elem(&procs, &tgid, &v, BPF_ANY);
	if (v.intercept)
		hold_until_netns_ready(tgid);
	return 0;
}

SEC("raw_tp/sched_process_exit")
int apptap_exit(struct bpf_raw_tracepoint_args *ctx)
{
	__u64 id = bpf_get_current_pid_tgid();
	__u32 tgid = id >> 32;
	if ((__u32)id != tgid)
		return 0; /* a thread */
	bpf_map_delete_elem(&procs, &tgid);
	bpf_map_delete_elem(&scope, &tgid);
	return 0;
}

/*
 * The kernel's name for the dual licence in the SPDX line: it counts as GPL-compatible, which the GPL-only helpers
 * used here (bpf_probe_read_kernel_str) require; "BSD-2-Clause" alone would be refused.
 */
char LICENSE[] SEC("license") = "Dual BSD/GPL";
