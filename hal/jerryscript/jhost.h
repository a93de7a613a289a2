/* jhost: the native JerryScript host's shared declarations (event loop, fd watches, natives, helpers). */
#ifndef JHOST_H
#define JHOST_H

#include <stddef.h>
#include <stdint.h>

#include "jerryscript.h"

/* Fixed sizes: nothing in the host grows at run time. */
#define JH_MAX_TIMERS 64     /* pending setTimer() entries */
#define JH_MAX_WATCHES 16    /* file descriptors the loop polls (UARTs + GPIO input lines) */
#define JH_MAX_UARTS 4       /* open UARTs */
#define JH_MAX_LINES 16      /* requested GPIO lines (outputs and inputs) */
#define JH_UART_CHUNK 1024   /* most bytes delivered to the JavaScript callback in one call */
#define JH_UART_WRITE_TIMEOUT_MS 5000 /* a write that cannot finish in this time returns an error */

/* Exit codes of the host itself. */
#define JH_EXIT_USAGE 2      /* bad command line, unreadable file */
#define JH_EXIT_FATAL 3      /* the engine stopped: out of memory or another fatal error */

/* A file descriptor the loop polls for input; `ready` runs when it is readable or hung up. */
typedef void (*jh_ready_fn) (void *user, short revents);

/* Watch `fd` for input. Returns 0, or -1 when the watch table is full. */
int jh_watch_add (int fd, jh_ready_fn ready, void *user);
/* Stop watching `fd` (no-op when not watched). */
void jh_watch_remove (int fd);

/* Monotonic milliseconds (fractional) since the host started. */
double jh_now_ms (void);

/* Run the event loop until no timer and no watch remain, or until exit was requested. */
void jh_loop_run (void);
/* Ask the loop to stop after the current callback with this exit code. */
void jh_request_exit (int code);
/* Whether an exit was requested, and its code. */
int jh_exit_requested (int *code);

/* Call a JavaScript callback; an exception is printed (with `where`) and counted, never propagated.
 * An abort (jhost.exit) is not an error. Takes no ownership of any argument. */
void jh_call (jerry_value_t fn, const jerry_value_t *args, jerry_size_t argc, const char *where);
/* Print an exception value (takes ownership) with a context line; counts it. */
void jh_report_exception (jerry_value_t exception, const char *where);
/* Run the queued promise jobs, reporting an exception among them. */
void jh_run_jobs (void);
/* Exceptions thrown by callbacks so far. */
unsigned jh_exception_count (void);

/* A JavaScript string value for an error message (printf-style). */
jerry_value_t jh_error (const char *fmt, ...) __attribute__ ((format (printf, 1, 2)));
/* Set a native function property on `obj`. */
void jh_set_fn (jerry_value_t obj, const char *name, jerry_external_handler_t fn);

/* 8-bit conversions, used by the codec and the UART. */
/* A JavaScript string with one char per byte (char code = byte value). Never an exception. */
jerry_value_t jh_bytes_to_string (const uint8_t *bytes, size_t n);
/* The bytes of an 8-bit string in a malloc'd buffer (*out, *n), or an error string value
 * (a char above 255, not a string, no memory). On success returns undefined and the caller frees *out. */
jerry_value_t jh_string_to_bytes (jerry_value_t str, uint8_t **out, size_t *n);

/* Registration of each group of natives on the `jhost` object. */
void jh_loop_register (jerry_value_t jhost);
void jh_codec_register (jerry_value_t jhost);
void jh_uart_register (jerry_value_t jhost);
void jh_gpio_register (jerry_value_t jhost);
/* Release every JavaScript value the modules hold (before jerry_cleanup). */
void jh_loop_release (void);
void jh_uart_release (void);
void jh_gpio_release (void);

#endif /* JHOST_H */
