package dev.apptap.redirector.linux;

import com.sun.jna.Callback;
import com.sun.jna.Library;
import com.sun.jna.Native;
import com.sun.jna.Pointer;

/**
 * The few libbpf 1.x calls the redirector makes, through JNA. {@code libbpf.so.1} is Debian's and Ubuntu's
 * {@code libbpf1} package; nothing else native is needed. libbpf 1.x returns {@code NULL} (pointers) or a
 * negative errno (ints) on failure.
 */
interface Libbpf extends Library {

    String LIBRARY = "libbpf.so.1";

    static Libbpf load() {
        return Native.load(LIBRARY, Libbpf.class);
    }

    Pointer bpf_object__open_mem(Pointer buffer, long size, Pointer options);

    int bpf_object__load(Pointer object);

    void bpf_object__close(Pointer object);

    Pointer bpf_object__find_program_by_name(Pointer object, String name);

    Pointer bpf_object__find_map_by_name(Pointer object, String name);

    int bpf_map__fd(Pointer map);

    Pointer bpf_program__attach_cgroup(Pointer program, int cgroupFd);

    Pointer bpf_program__attach(Pointer program);

    int bpf_link__destroy(Pointer link);

    int bpf_map_update_elem(int fd, byte[] key, byte[] value, long flags);

    int bpf_map_delete_elem(int fd, byte[] key);

    int bpf_map_get_next_key(int fd, byte[] key, byte[] nextKey);

    Pointer libbpf_set_print(PrintFn fn);

    Pointer ring_buffer__new(int mapFd, RingSample sample, Pointer context, Pointer options);

    int ring_buffer__poll(Pointer ring, int timeoutMillis);

    void ring_buffer__free(Pointer ring);

    /** {@code int (*)(void *ctx, void *data, size_t size)}: one record of a BPF ring buffer. */
    interface RingSample extends Callback {
        int invoke(Pointer context, Pointer data, long size);
    }

    /** {@code int (*)(enum libbpf_print_level, const char *format, va_list)}; on x86-64 a va_list is passed as a pointer. */
    interface PrintFn extends Callback {
        int invoke(int level, String format, Pointer args);
    }
}
