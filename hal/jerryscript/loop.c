/* jhost: the clock, the timer table and the event loop (ppoll over watched fds with the next timer's timeout).
 *
 * Timers live in a fixed table of JH_MAX_TIMERS. A pass of the loop fires, in due order (ties in
 * the order they were set), the timers that were due when the pass began and were set before it
 * began, so a callback that sets a 0 ms timer cannot starve I/O. Then it polls the watched fds
 * until the next timer is due and runs the ready ones' handlers. The loop ends when no timer and
 * no watch remain, on jhost.exit(), or on SIGINT/SIGTERM (after the JavaScript signal handler,
 * when one is registered, had its chance to finish cleanly). */
#define _GNU_SOURCE
#include <errno.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "jerryscript-ext/print.h"
#include "jhost.h"

typedef struct
{
  int used;
  uint32_t id;   /* what setTimer returned */
  uint32_t seq;  /* order of setting */
  double due;    /* jh_now_ms() at which it fires */
  jerry_value_t fn;
} jh_timer_t;

typedef struct
{
  int fd;
  jh_ready_fn ready;
  void *user;
} jh_watch_t;

static jh_timer_t timers[JH_MAX_TIMERS];
static uint32_t next_id = 1;
static uint32_t next_seq = 1;
static jh_watch_t watches[JH_MAX_WATCHES];
static int n_watches = 0;
static int exit_flag = 0;
static int exit_code = 0;
static unsigned exceptions = 0;
static volatile sig_atomic_t signal_seen = 0;
static jerry_value_t signal_handler = 0; /* 0: none registered */
static int signal_handler_set = 0;
static struct timespec start_ts;

double
jh_now_ms (void)
{
  struct timespec ts;
  clock_gettime (CLOCK_MONOTONIC, &ts);
  if (start_ts.tv_sec == 0 && start_ts.tv_nsec == 0)
    start_ts = ts;
  return (double) (ts.tv_sec - start_ts.tv_sec) * 1000.0 + (double) (ts.tv_nsec - start_ts.tv_nsec) / 1e6;
}

void
jh_request_exit (int code)
{
  if (!exit_flag)
  {
    exit_flag = 1;
    exit_code = code;
  }
}

int
jh_exit_requested (int *code)
{
  if (exit_flag && code)
    *code = exit_code;
  return exit_flag;
}

unsigned
jh_exception_count (void)
{
  return exceptions;
}

void
jh_report_exception (jerry_value_t exception, const char *where)
{
  if (jerry_value_is_abort (exception)) /* jhost.exit(): not an error */
  {
    jerry_value_free (exception);
    return;
  }
  exceptions++;
  fflush (stdout);
  fprintf (stderr, "jhost: uncaught exception in %s (the loop goes on)\n", where);
  jerryx_print_unhandled_exception (exception); /* frees it */
  fflush (stderr);
}

void
jh_call (jerry_value_t fn, const jerry_value_t *args, jerry_size_t argc, const char *where)
{
  if (exit_flag)
    return;
  jerry_value_t undef = jerry_undefined ();
  jerry_value_t r = jerry_call (fn, undef, args, argc);
  if (jerry_value_is_exception (r))
    jh_report_exception (r, where);
  else
    jerry_value_free (r);
  /* Promise jobs queued by the callback run before anything else. */
  jh_run_jobs ();
}

void
jh_run_jobs (void)
{
  jerry_value_t jobs = jerry_run_jobs ();
  if (jerry_value_is_exception (jobs))
    jh_report_exception (jobs, "a promise job");
  else
    jerry_value_free (jobs);
}

int
jh_watch_add (int fd, jh_ready_fn ready, void *user)
{
  if (n_watches >= JH_MAX_WATCHES)
    return -1;
  watches[n_watches].fd = fd;
  watches[n_watches].ready = ready;
  watches[n_watches].user = user;
  n_watches++;
  return 0;
}

void
jh_watch_remove (int fd)
{
  for (int i = 0; i < n_watches; i++)
    if (watches[i].fd == fd)
    {
      watches[i] = watches[--n_watches];
      return;
    }
}

static int
active_timers (void)
{
  int n = 0;
  for (int i = 0; i < JH_MAX_TIMERS; i++)
    n += timers[i].used;
  return n;
}

static void
free_timer (jh_timer_t *t)
{
  t->used = 0;
  jerry_value_free (t->fn);
}

/* The due timer set before `seq_limit` with the smallest (due, seq), or NULL. */
static jh_timer_t *
next_due (double now, uint32_t seq_limit)
{
  jh_timer_t *best = NULL;
  for (int i = 0; i < JH_MAX_TIMERS; i++)
  {
    jh_timer_t *t = &timers[i];
    if (!t->used || t->seq >= seq_limit || t->due > now)
      continue;
    if (best == NULL || t->due < best->due || (t->due == best->due && t->seq < best->seq))
      best = t;
  }
  return best;
}

static void
on_signal (int sig)
{
  signal_seen = sig;
}

/* SIGINT/SIGTERM: the JavaScript handler (once), or exit with 128 + signal. */
static void
handle_signal (void)
{
  int sig = signal_seen;
  signal_seen = 0;
  if (signal_handler_set)
  {
    jerry_value_t h = signal_handler;
    signal_handler_set = 0; /* a second signal exits */
    jerry_value_t name = jerry_string_sz (sig == SIGINT ? "SIGINT" : "SIGTERM");
    jh_call (h, &name, 1, "the signal handler");
    jerry_value_free (name);
    jerry_value_free (h);
    return;
  }
  jh_request_exit (128 + sig);
}

/* SIGINT/SIGTERM are blocked from the start (before any script runs) and let in only inside ppoll. */
static sigset_t orig_mask;

static void
signals_init (void)
{
  sigset_t block;
  sigemptyset (&block);
  sigaddset (&block, SIGINT);
  sigaddset (&block, SIGTERM);
  sigprocmask (SIG_BLOCK, &block, &orig_mask);
  struct sigaction sa;
  memset (&sa, 0, sizeof sa);
  sa.sa_handler = on_signal;
  sigaction (SIGINT, &sa, NULL);
  sigaction (SIGTERM, &sa, NULL);
}

void
jh_loop_run (void)
{
  sigset_t orig = orig_mask;
  struct pollfd pfds[JH_MAX_WATCHES];
  while (!exit_flag)
  {
    /* 1. timers due at the start of this pass, in order */
    double now = jh_now_ms ();
    uint32_t seq_limit = next_seq;
    jh_timer_t *t;
    while (!exit_flag && (t = next_due (now, seq_limit)) != NULL)
    {
      jerry_value_t fn = t->fn;
      t->used = 0; /* fired: clearTimer on it is now a no-op */
      jh_call (fn, NULL, 0, "a timer callback");
      jerry_value_free (fn);
    }
    if (exit_flag)
      break;
    int n_timers = active_timers ();
    if (n_timers == 0 && n_watches == 0 && !signal_seen)
      break;

    /* 2. wait for input until the next timer is due (signals are let in only while waiting) */
    double wait_ms = -1;
    for (int i = 0; i < JH_MAX_TIMERS; i++)
      if (timers[i].used)
      {
        double w = timers[i].due - jh_now_ms ();
        if (w < 0)
          w = 0;
        if (wait_ms < 0 || w < wait_ms)
          wait_ms = w;
      }
    struct timespec ts, *tsp = NULL;
    if (wait_ms >= 0)
    {
      double w = ceil (wait_ms * 1000.0) / 1000.0; /* whole microseconds, never early */
      ts.tv_sec = (time_t) (w / 1000.0);
      ts.tv_nsec = (long) ((w - (double) ts.tv_sec * 1000.0) * 1e6);
      tsp = &ts;
    }
    int n = n_watches;
    for (int i = 0; i < n; i++)
    {
      pfds[i].fd = watches[i].fd;
      pfds[i].events = POLLIN;
      pfds[i].revents = 0;
    }
    int r = signal_seen ? 0 : ppoll (pfds, (nfds_t) n, tsp, &orig);
    if (signal_seen)
    {
      handle_signal ();
      continue;
    }
    if (r < 0)
    {
      if (errno == EINTR)
        continue;
      perror ("jhost: ppoll");
      jh_request_exit (1);
      break;
    }

    /* 3. handlers of the ready fds (a handler may remove watches: look each fd up again) */
    for (int i = 0; i < n && !exit_flag; i++)
    {
      if (!pfds[i].revents)
        continue;
      for (int j = 0; j < n_watches; j++)
        if (watches[j].fd == pfds[i].fd)
        {
          watches[j].ready (watches[j].user, pfds[i].revents);
          break;
        }
    }
  }
}

/* jhost.now() -> monotonic milliseconds since the host started (fractional). */
static jerry_value_t
now_fn (const jerry_call_info_t *call, const jerry_value_t args[], const jerry_length_t argc)
{
  (void) call, (void) args, (void) argc;
  return jerry_number (jh_now_ms ());
}

/* jhost.setTimer(fn, ms) -> timer id (> 0), or an error string when the table is full. */
static jerry_value_t
set_timer (const jerry_call_info_t *call, const jerry_value_t args[], const jerry_length_t argc)
{
  (void) call;
  if (argc < 1 || !jerry_value_is_function (args[0]))
    return jh_error ("setTimer: expected a function");
  double ms = argc > 1 && jerry_value_is_number (args[1]) ? jerry_value_as_number (args[1]) : 0;
  if (!(ms > 0)) /* negative, NaN */
    ms = 0;
  for (int i = 0; i < JH_MAX_TIMERS; i++)
  {
    jh_timer_t *t = &timers[i];
    if (t->used)
      continue;
    t->used = 1;
    t->id = next_id++;
    if (next_id == 0 || next_id > 0x7FFFFFFF)
      next_id = 1;
    t->seq = next_seq++;
    t->due = jh_now_ms () + ms;
    t->fn = jerry_value_copy (args[0]);
    return jerry_number (t->id);
  }
  return jh_error ("setTimer: all %d timers are in use", JH_MAX_TIMERS);
}

/* jhost.clearTimer(id): cancels a pending timer; unknown or fired ids are a no-op. */
static jerry_value_t
clear_timer (const jerry_call_info_t *call, const jerry_value_t args[], const jerry_length_t argc)
{
  (void) call;
  if (argc < 1 || !jerry_value_is_number (args[0]))
    return jerry_undefined ();
  double id = jerry_value_as_number (args[0]);
  for (int i = 0; i < JH_MAX_TIMERS; i++)
    if (timers[i].used && (double) timers[i].id == id)
    {
      free_timer (&timers[i]);
      break;
    }
  return jerry_undefined ();
}

/* jhost.timers() -> pending timers (for tests and leak checks). */
static jerry_value_t
timers_fn (const jerry_call_info_t *call, const jerry_value_t args[], const jerry_length_t argc)
{
  (void) call, (void) args, (void) argc;
  return jerry_number (active_timers ());
}

/* jhost.onSignal(fn): fn("SIGINT"|"SIGTERM") on the first such signal instead of exiting. */
static jerry_value_t
on_signal_fn (const jerry_call_info_t *call, const jerry_value_t args[], const jerry_length_t argc)
{
  (void) call;
  if (argc < 1 || !jerry_value_is_function (args[0]))
    return jh_error ("onSignal: expected a function");
  if (signal_handler_set)
    jerry_value_free (signal_handler);
  signal_handler = jerry_value_copy (args[0]);
  signal_handler_set = 1;
  return jerry_undefined ();
}

/* jhost.exit(code): stops at once (an abort that no JavaScript catch sees); the loop ends. */
static jerry_value_t
exit_fn (const jerry_call_info_t *call, const jerry_value_t args[], const jerry_length_t argc)
{
  (void) call;
  int code = argc > 0 && jerry_value_is_number (args[0]) ? (int) jerry_value_as_int32 (args[0]) : 0;
  jh_request_exit (code);
  return jerry_throw_abort (jerry_number (code), true);
}

/* jhost.errors() -> exceptions thrown by callbacks so far. */
static jerry_value_t
errors_fn (const jerry_call_info_t *call, const jerry_value_t args[], const jerry_length_t argc)
{
  (void) call, (void) args, (void) argc;
  return jerry_number (exceptions);
}

void
jh_loop_register (jerry_value_t jhost)
{
  jh_now_ms (); /* start of the clock */
  signals_init ();
  jh_set_fn (jhost, "now", now_fn);
  jh_set_fn (jhost, "setTimer", set_timer);
  jh_set_fn (jhost, "clearTimer", clear_timer);
  jh_set_fn (jhost, "timers", timers_fn);
  jh_set_fn (jhost, "onSignal", on_signal_fn);
  jh_set_fn (jhost, "exit", exit_fn);
  jh_set_fn (jhost, "errors", errors_fn);
  jerry_value_t n = jerry_number (JH_MAX_TIMERS);
  jerry_value_free (jerry_object_set_sz (jhost, "maxTimers", n));
  jerry_value_free (n);
}

void
jh_loop_release (void)
{
  for (int i = 0; i < JH_MAX_TIMERS; i++)
    if (timers[i].used)
      free_timer (&timers[i]);
  if (signal_handler_set)
    jerry_value_free (signal_handler);
  signal_handler_set = 0;
}
