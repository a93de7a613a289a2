/* jhost: a small native host for JerryScript 3.0 that runs scripts or snapshots with the natives the a76xx HAL needs.
 *
 *   jhost FILE... [-- ARG...]
 *
 * Each FILE runs in order in one realm: a `.snapshot` file (from jerry-snapshot generate) is
 * executed in place with jerry_exec_snapshot, anything else is parsed as a script. Then the event
 * loop runs until no timer and no watched fd remain, or jhost.exit(code). ARGs are jhost.argv.
 * A `.literals` FILE (jerry-snapshot litdump --format list: "LENGTH STRING" per line) is not run:
 * its strings are registered as the engine's external magic strings before anything else, which
 * static snapshots (jerry-snapshot generate --static with that list) need. Such strings then live
 * in the list's buffer (flash on a microcontroller), never in the engine's heap.
 *
 * The global object `jhost` holds every native (see the other files for UART, GPIO, codec, timers):
 *   print(s) / log(s)  one line to stdout / stderr (UTF-8)
 *   heapStats()        {size, allocated, peak} in bytes, or undefined without --mem-stats in the engine
 *   gc()               a full garbage collection
 *   argv               the ARGs, as strings
 * Exit code: jhost.exit's code; else 1 when a FILE threw or a callback threw at some point, 0 when
 * all went well; 2 on a bad command line or unreadable file; 3 when the engine stopped (out of memory). */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "jerryscript-ext/handlers.h"
#include "jerryscript-port.h"
#include "jerryscript.h"
#include "jhost.h"

/* The engine cannot go on (out of memory, internal error): say so and exit; never abort with a core dump. */
void
jerry_port_fatal (jerry_fatal_code_t code)
{
  fflush (stdout);
  fprintf (stderr, "jhost: fatal: %s (JerryScript fatal code %d)\n",
           code == JERRY_FATAL_OUT_OF_MEMORY ? "out of memory (the engine's heap is full)" : "engine error", (int) code);
  fflush (stderr);
  _exit (JH_EXIT_FATAL);
}

jerry_value_t
jh_error (const char *fmt, ...)
{
  char buf[256];
  va_list ap;
  va_start (ap, fmt);
  int n = vsnprintf (buf, sizeof buf, fmt, ap);
  va_end (ap);
  if (n < 0)
    n = 0;
  if (n >= (int) sizeof buf)
    n = (int) sizeof buf - 1;
  return jerry_string ((const jerry_char_t *) buf, (jerry_size_t) n, JERRY_ENCODING_UTF8);
}

void
jh_set_fn (jerry_value_t obj, const char *name, jerry_external_handler_t fn)
{
  jerry_value_t f = jerry_function_external (fn);
  jerry_value_free (jerry_object_set_sz (obj, name, f));
  jerry_value_free (f);
}

/* One line of `value` (converted to a string) to `out`. */
static void
print_line (FILE *out, jerry_value_t value)
{
  jerry_value_t s = jerry_value_to_string (value);
  if (jerry_value_is_exception (s))
  {
    jerry_value_free (s);
    fputs ("[value without a string form]\n", out);
    fflush (out);
    return;
  }
  jerry_size_t size = jerry_string_size (s, JERRY_ENCODING_UTF8);
  char small[512];
  char *buf = size < sizeof small ? small : malloc (size + 1);
  if (buf != NULL)
  {
    jerry_size_t n = jerry_string_to_buffer (s, JERRY_ENCODING_UTF8, (jerry_char_t *) buf, size);
    fwrite (buf, 1, n, out);
    if (buf != small)
      free (buf);
  }
  fputc ('\n', out);
  fflush (out);
  jerry_value_free (s);
}

static jerry_value_t
print_fn (const jerry_call_info_t *call, const jerry_value_t args[], const jerry_length_t argc)
{
  (void) call;
  jerry_value_t empty = jerry_string_sz ("");
  print_line (stdout, argc > 0 ? args[0] : empty);
  jerry_value_free (empty);
  return jerry_undefined ();
}

static jerry_value_t
log_fn (const jerry_call_info_t *call, const jerry_value_t args[], const jerry_length_t argc)
{
  (void) call;
  jerry_value_t empty = jerry_string_sz ("");
  print_line (stderr, argc > 0 ? args[0] : empty);
  jerry_value_free (empty);
  return jerry_undefined ();
}

static void
set_number (jerry_value_t obj, const char *name, double v)
{
  jerry_value_t n = jerry_number (v);
  jerry_value_free (jerry_object_set_sz (obj, name, n));
  jerry_value_free (n);
}

static jerry_value_t
heap_stats_fn (const jerry_call_info_t *call, const jerry_value_t args[], const jerry_length_t argc)
{
  (void) call, (void) args, (void) argc;
  jerry_heap_stats_t st;
  memset (&st, 0, sizeof st);
  if (!jerry_heap_stats (&st))
    return jerry_undefined ();
  jerry_value_t o = jerry_object ();
  set_number (o, "size", (double) st.size);
  set_number (o, "allocated", (double) st.allocated_bytes);
  set_number (o, "peak", (double) st.peak_allocated_bytes);
  return o;
}

static jerry_value_t
gc_fn (const jerry_call_info_t *call, const jerry_value_t args[], const jerry_length_t argc)
{
  (void) call, (void) args, (void) argc;
  jerry_heap_gc (JERRY_GC_PRESSURE_HIGH);
  return jerry_undefined ();
}

static uint8_t *
read_file (const char *path, size_t *size)
{
  FILE *f = fopen (path, "rb");
  if (f == NULL)
    return NULL;
  fseek (f, 0, SEEK_END);
  long n = ftell (f);
  fseek (f, 0, SEEK_SET);
  /* malloc'd memory is aligned for uint32_t, as jerry_exec_snapshot needs */
  uint8_t *buf = n >= 0 ? malloc ((size_t) n + 1) : NULL;
  if (buf != NULL && fread (buf, 1, (size_t) n, f) != (size_t) n)
  {
    free (buf);
    buf = NULL;
  }
  fclose (f);
  *size = (size_t) n;
  return buf;
}

static int
ends_with (const char *s, const char *suffix)
{
  size_t a = strlen (s), b = strlen (suffix);
  return a >= b && strcmp (s + a - b, suffix) == 0;
}

/* Whether a literal list was registered (static snapshots are allowed only then). */
static int have_literals;

/* Run one file; 0 when it ran, 1 when it threw. Snapshot buffers stay alive in `keep` (executed in place). */
static int
run_file (const char *path, uint8_t **keep)
{
  size_t size = 0;
  uint8_t *buf = read_file (path, &size);
  if (buf == NULL)
  {
    fprintf (stderr, "jhost: cannot read %s\n", path);
    exit (JH_EXIT_USAGE);
  }
  jerry_value_t r;
  if (ends_with (path, ".snapshot"))
  {
    *keep = buf;
    /* Static snapshots run entirely in place, and only with a literal list: the engine trusts their
     * magic string numbers, and without the list it would read past its table. Without one, the
     * engine refuses them with an exception. (A list that is not the snapshot's own is not caught.) */
    r = jerry_exec_snapshot ((const uint32_t *) buf, size, 0, have_literals ? JERRY_SNAPSHOT_EXEC_ALLOW_STATIC : 0, NULL);
  }
  else
  {
    jerry_parse_options_t opts;
    memset (&opts, 0, sizeof opts);
    opts.options = JERRY_PARSE_HAS_SOURCE_NAME;
    opts.source_name = jerry_string_sz (path);
    jerry_value_t script = jerry_parse (buf, size, &opts);
    jerry_value_free (opts.source_name);
    free (buf);
    r = jerry_value_is_exception (script) ? script : jerry_run (script);
    if (!jerry_value_is_exception (script))
      jerry_value_free (script);
  }
  if (jerry_value_is_exception (r))
  {
    int aborted = jerry_value_is_abort (r);
    char where[300];
    snprintf (where, sizeof where, "%s", path);
    jh_report_exception (r, where);
    return aborted ? 0 : 1;
  }
  jerry_value_free (r);
  jh_run_jobs ();
  return 0;
}

/* The strings of a literal list ("LENGTH STRING\n"…, as jerry-snapshot litdump --format list writes
 * them and generate --load-literals-list-format reads them), registered as external magic strings.
 * Must run right after jerry_init: a string made before would not be recognised as the magic one.
 * `buf` and the two tables stay alive until the engine is cleaned up (on a board all three would be
 * const arrays in flash, as litdump --format c writes them). Returns the count, or -1 on a
 * malformed list. */
static const jerry_char_t **magic_items;
static jerry_length_t *magic_lengths;

static int
register_literals (const uint8_t *buf, size_t size)
{
  /* Two passes: count and check, then fill tables of exactly that size. */
  uint32_t n = 0;
  for (int pass = 0; pass < 2; pass++)
  {
    size_t at = 0;
    n = 0;
    while (at < size)
    {
      size_t len = 0, digits = 0;
      while (at < size && buf[at] >= '0' && buf[at] <= '9' && digits < 6)
      {
        len = len * 10 + (size_t) (buf[at++] - '0');
        digits++;
      }
      if (digits == 0 || len == 0 || at >= size || buf[at] != ' ' || at + 1 + len > size)
        return -1;
      if (pass == 1)
      {
        magic_items[n] = buf + at + 1;
        magic_lengths[n] = (jerry_length_t) len;
      }
      n++;
      at += 1 + len;
      if (at < size && buf[at] == '\n')
        at++;
    }
    if (pass == 0)
    {
      magic_items = malloc ((n ? n : 1) * sizeof *magic_items);
      magic_lengths = malloc ((n ? n : 1) * sizeof *magic_lengths);
      if (magic_items == NULL || magic_lengths == NULL)
        return -1;
    }
  }
  if (n > 0)
    jerry_register_magic_strings (magic_items, n, magic_lengths);
  have_literals = n > 0;
  return (int) n;
}

static void
usage (void)
{
  fprintf (stderr, "usage: jhost FILE... [-- ARG...]   (FILE: a script, a .snapshot from jerry-snapshot generate, or the .literals its static snapshots need)\n");
  exit (JH_EXIT_USAGE);
}

int
main (int argc, char **argv)
{
  int first_arg = argc;
  int n_files = 0;
  for (int i = 1; i < argc; i++)
  {
    if (strcmp (argv[i], "--") == 0)
    {
      first_arg = i + 1;
      break;
    }
    if (strcmp (argv[i], "-h") == 0 || strcmp (argv[i], "--help") == 0)
      usage ();
    n_files++;
  }
  if (n_files == 0 || n_files > 64)
    usage ();

  setvbuf (stdout, NULL, _IOLBF, 0); /* lines reach a pipe as they are printed */
  jerry_init (JERRY_INIT_EMPTY);
  /* A literal list first, before any string exists (at most one: the engine keeps one table). */
  uint8_t *literals = NULL;
  for (int i = 1; i <= n_files; i++)
  {
    if (!ends_with (argv[i], ".literals"))
      continue;
    size_t size = 0;
    if (literals != NULL)
    {
      fprintf (stderr, "jhost: one .literals file at most (%s is the second)\n", argv[i]);
      exit (JH_EXIT_USAGE);
    }
    literals = read_file (argv[i], &size);
    if (literals == NULL || register_literals (literals, size) < 0)
    {
      fprintf (stderr, "jhost: %s %s\n", literals == NULL ? "cannot read" : "is not a literal list (LENGTH STRING per line):", argv[i]);
      exit (JH_EXIT_USAGE);
    }
  }
  jerry_value_t global = jerry_current_realm ();
  jerry_value_t jhost = jerry_object ();
  jh_set_fn (jhost, "print", print_fn);
  jh_set_fn (jhost, "log", log_fn);
  jh_set_fn (jhost, "heapStats", heap_stats_fn);
  jh_set_fn (jhost, "gc", gc_fn);
  jh_loop_register (jhost);
  jh_codec_register (jhost);
  jh_uart_register (jhost);
  jh_gpio_register (jhost);
  jerry_value_t args = jerry_array ((jerry_length_t) (argc > first_arg ? argc - first_arg : 0));
  for (int i = first_arg; i < argc; i++)
  {
    jerry_value_t s = jerry_string_sz (argv[i]);
    jerry_value_free (jerry_object_set_index (args, (uint32_t) (i - first_arg), s));
    jerry_value_free (s);
  }
  jerry_value_free (jerry_object_set_sz (jhost, "argv", args));
  jerry_value_free (args);
  jerry_value_free (jerry_object_set_sz (global, "jhost", jhost));
  jerry_value_free (jhost);
  jh_set_fn (global, "print", jerryx_handler_print); /* the engine's usual global print */
  jerry_value_free (global);

  uint8_t *snapshots[64];
  int n_snap = 0;
  int failed = 0;
  for (int i = 1; i <= n_files; i++)
  {
    uint8_t *keep = NULL;
    if (ends_with (argv[i], ".literals"))
      continue;
    failed = run_file (argv[i], &keep);
    if (keep != NULL)
      snapshots[n_snap++] = keep;
    if (failed || jh_exit_requested (NULL))
      break;
  }
  if (!failed)
    jh_loop_run ();

  int code = 0;
  if (!jh_exit_requested (&code))
    code = failed || jh_exception_count () > 0 ? 1 : 0;
  if (jh_exception_count () > 0)
    fprintf (stderr, "jhost: %u exception(s) in callbacks\n", jh_exception_count ());
  fflush (stdout);
  jh_uart_release ();
  jh_gpio_release ();
  jh_loop_release ();
  jerry_cleanup ();
  for (int i = 0; i < n_snap; i++)
    free (snapshots[i]);
  free (literals);
  free (magic_items);
  free (magic_lengths);
  return code;
}
