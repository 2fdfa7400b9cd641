/* asan-exit.c - preloaded after the ASan runtime into slapd by sanitize.sh */
/*
 * Two problems of running Debian's (uninstrumented) slapd under ASan:
 *
 * - At exit, a library destructor (libp11-kit's, via GnuTLS) calls
 *   freelocale() and blocks forever on glibc's setlocale lock: every
 *   slapd, slapadd and slapcat with the ASan runtime hangs after its work
 *   is done.  So this runs the leak check itself from an on_exit() handler
 *   (after slapd's own clean-up and the handlers registered later, such as
 *   OpenSSL's) and leaves with _exit(), skipping the destructors.  Without
 *   a leak check (tool modes) it only skips the destructors.
 *
 * - slapd unloads modules at shutdown; a leak allocated by an unloaded
 *   module has no symbols and cannot be attributed.  dlclose() is made a
 *   no-op so truststore.so stays mapped until the report is written.
 *
 * Test tooling only: never built into the project's binaries.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

extern void	__lsan_do_leak_check(void) __attribute__((weak));

static void
asan_exit_leave(int status, void *arg)
{
	(void)arg;
	if (__lsan_do_leak_check != NULL)
		__lsan_do_leak_check();
	fflush(NULL);
	_exit(status);
}

/*
 * The handler must be registered after ld.so's own (which runs the
 * destructors), and that one is registered by __libc_start_main, after
 * preloaded constructors have run: so wrap main instead.
 */
typedef int	(*asan_exit_main_fn)(int, char **, char **);
static asan_exit_main_fn asan_exit_real_main;

static int
asan_exit_main(int argc, char **argv, char **envp)
{
	on_exit(asan_exit_leave, NULL);
	return asan_exit_real_main(argc, argv, envp);
}

int
__libc_start_main(asan_exit_main_fn main_fn, int argc, char **argv,
    void (*init)(void), void (*fini)(void), void (*rtld_fini)(void),
    void *stack_end)
{
	int (*real)(asan_exit_main_fn, int, char **, void (*)(void),
	    void (*)(void), void (*)(void), void *);

	real = (int (*)(asan_exit_main_fn, int, char **, void (*)(void),
	    void (*)(void), void (*)(void), void *))
	    dlsym(RTLD_NEXT, "__libc_start_main");
	asan_exit_real_main = main_fn;
	return real(asan_exit_main, argc, argv, init, fini, rtld_fini,
	    stack_end);
}

int
dlclose(void *handle)
{
	(void)handle;
	return 0;
}
