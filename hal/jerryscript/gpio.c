/* jhost: GPIO lines through the Linux GPIO character device (uapi v2, kernel 5.10+), electrical levels only.
 *
 * jhost.gpioOutput(chip, line, level)           -> handle (>= 0) or an error string; drives `level` at once
 * jhost.gpioInput(chip, line, onEdge?, debounceUs?) -> handle or an error string; with onEdge, both edges
 *                                                  are requested and onEdge(level) runs on each
 * jhost.gpioWrite(handle, level)                -> 0 or an error string
 * jhost.gpioRead(handle)                        -> 0 or 1, or an error string
 * jhost.gpioClose(handle)                       -> 0 or an error string (the line is released)
 * `chip` is a device path such as "/dev/gpiochip0": where it does not exist the open fails with
 * "open /dev/gpiochip0: No such file or directory" and the HAL treats the pin as absent. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/gpio.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "jhost.h"

typedef struct
{
  int used;
  int fd;          /* the line request's fd */
  int watching;
  jerry_value_t on_edge; /* valid when watching */
} jh_line_t;

static jh_line_t lines[JH_MAX_LINES];

static jh_line_t *
line_arg (const jerry_value_t args[], jerry_length_t argc)
{
  if (argc < 1 || !jerry_value_is_number (args[0]))
    return NULL;
  double h = jerry_value_as_number (args[0]);
  if (!(h >= 0 && h < JH_MAX_LINES) || (double) (int) h != h || !lines[(int) h].used)
    return NULL;
  return &lines[(int) h];
}

/* Request one line of `chip`; returns the line fd, or -1 with `err` filled. */
static int
request_line (const char *chip, unsigned offset, uint64_t flags, int level, unsigned debounce_us, char *err, size_t errlen)
{
  int cfd = open (chip, O_RDWR | O_CLOEXEC);
  if (cfd < 0)
  {
    snprintf (err, errlen, "open %s: %s", chip, strerror (errno));
    return -1;
  }
  struct gpio_v2_line_request req;
  memset (&req, 0, sizeof req);
  req.offsets[0] = offset;
  req.num_lines = 1;
  snprintf (req.consumer, sizeof req.consumer, "jhost");
  req.config.flags = flags;
  if (flags & GPIO_V2_LINE_FLAG_OUTPUT)
  {
    req.config.attrs[0].attr.id = GPIO_V2_LINE_ATTR_ID_OUTPUT_VALUES;
    req.config.attrs[0].attr.values = level ? 1 : 0;
    req.config.attrs[0].mask = 1;
    req.config.num_attrs = 1;
  }
  else if (debounce_us > 0)
  {
    req.config.attrs[0].attr.id = GPIO_V2_LINE_ATTR_ID_DEBOUNCE;
    req.config.attrs[0].attr.debounce_period_us = debounce_us;
    req.config.attrs[0].mask = 1;
    req.config.num_attrs = 1;
  }
  int r = ioctl (cfd, GPIO_V2_GET_LINE_IOCTL, &req);
  if (r != 0 && errno == EINVAL && req.config.num_attrs && !(flags & GPIO_V2_LINE_FLAG_OUTPUT))
  {
    req.config.num_attrs = 0; /* a chip without debounce support: edges without it */
    r = ioctl (cfd, GPIO_V2_GET_LINE_IOCTL, &req);
  }
  int saved = errno;
  close (cfd);
  if (r != 0)
  {
    snprintf (err, errlen, "%s line %u: %s", chip, offset, strerror (saved));
    return -1;
  }
  fcntl (req.fd, F_SETFL, O_NONBLOCK); /* the loop reads events only when ready; never block on a stale one */
  return req.fd;
}

static void
on_edge_ready (void *user, short revents)
{
  (void) revents;
  jh_line_t *l = user;
  struct gpio_v2_line_event ev;
  ssize_t n = read (l->fd, &ev, sizeof ev);
  if (n != (ssize_t) sizeof ev)
    return;
  jerry_value_t level = jerry_number (ev.id == GPIO_V2_LINE_EVENT_RISING_EDGE ? 1 : 0);
  jerry_value_t fn = jerry_value_copy (l->on_edge); /* the callback may close the line */
  jh_call (fn, &level, 1, "a GPIO edge callback");
  jerry_value_free (fn);
  jerry_value_free (level);
}

/* Common part of gpioOutput and gpioInput: a free slot and the chip path. */
static jerry_value_t
open_line (const jerry_value_t args[], jerry_length_t argc, int output)
{
  const char *what = output ? "gpioOutput" : "gpioInput";
  if (argc < 2 || !jerry_value_is_string (args[0]) || !jerry_value_is_number (args[1]))
    return jh_error ("%s: expected (chip path, line, ...)", what);
  char chip[128];
  if (jerry_string_size (args[0], JERRY_ENCODING_UTF8) >= sizeof chip)
    return jh_error ("%s: chip path longer than %u bytes", what, (unsigned) sizeof chip - 1);
  jerry_size_t len = jerry_string_to_buffer (args[0], JERRY_ENCODING_UTF8, (jerry_char_t *) chip, sizeof chip - 1);
  chip[len] = 0;
  double off = jerry_value_as_number (args[1]);
  if (!(off >= 0 && off < 65536) || (double) (unsigned) off != off)
    return jh_error ("%s: bad line number", what);
  int slot = -1;
  for (int i = 0; i < JH_MAX_LINES && slot < 0; i++)
    if (!lines[i].used)
      slot = i;
  if (slot < 0)
    return jh_error ("%s: all %d lines are in use", what, JH_MAX_LINES);
  int level = output && argc > 2 && jerry_value_to_boolean (args[2]);
  int watch = !output && argc > 2 && jerry_value_is_function (args[2]);
  unsigned debounce = !output && argc > 3 && jerry_value_is_number (args[3]) ? jerry_value_as_uint32 (args[3]) : 0;
  uint64_t flags = output ? GPIO_V2_LINE_FLAG_OUTPUT : GPIO_V2_LINE_FLAG_INPUT;
  if (watch)
    flags |= GPIO_V2_LINE_FLAG_EDGE_RISING | GPIO_V2_LINE_FLAG_EDGE_FALLING;
  char err[200];
  int fd = request_line (chip, (unsigned) off, flags, level, watch ? debounce : 0, err, sizeof err);
  if (fd < 0)
    return jh_error ("%s", err);
  jh_line_t *l = &lines[slot];
  if (watch && jh_watch_add (fd, on_edge_ready, l) != 0)
  {
    close (fd);
    return jh_error ("%s: all %d watches are in use", what, JH_MAX_WATCHES);
  }
  l->used = 1;
  l->fd = fd;
  l->watching = watch;
  if (watch)
    l->on_edge = jerry_value_copy (args[2]);
  return jerry_number (slot);
}

static jerry_value_t
gpio_output (const jerry_call_info_t *call, const jerry_value_t args[], const jerry_length_t argc)
{
  (void) call;
  return open_line (args, argc, 1);
}

static jerry_value_t
gpio_input (const jerry_call_info_t *call, const jerry_value_t args[], const jerry_length_t argc)
{
  (void) call;
  return open_line (args, argc, 0);
}

static jerry_value_t
gpio_write (const jerry_call_info_t *call, const jerry_value_t args[], const jerry_length_t argc)
{
  (void) call;
  jh_line_t *l = line_arg (args, argc);
  if (l == NULL)
    return jh_error ("gpioWrite: not an open line");
  struct gpio_v2_line_values v = { .bits = argc > 1 && jerry_value_to_boolean (args[1]) ? 1 : 0, .mask = 1 };
  if (ioctl (l->fd, GPIO_V2_LINE_SET_VALUES_IOCTL, &v) != 0)
    return jh_error ("gpioWrite: %s", strerror (errno));
  return jerry_number (0);
}

static jerry_value_t
gpio_read (const jerry_call_info_t *call, const jerry_value_t args[], const jerry_length_t argc)
{
  (void) call;
  jh_line_t *l = line_arg (args, argc);
  if (l == NULL)
    return jh_error ("gpioRead: not an open line");
  struct gpio_v2_line_values v = { .bits = 0, .mask = 1 };
  if (ioctl (l->fd, GPIO_V2_LINE_GET_VALUES_IOCTL, &v) != 0)
    return jh_error ("gpioRead: %s", strerror (errno));
  return jerry_number ((double) (v.bits & 1));
}

static void
release (jh_line_t *l)
{
  if (l->watching)
  {
    jh_watch_remove (l->fd);
    jerry_value_free (l->on_edge);
  }
  close (l->fd);
  l->watching = 0;
  l->used = 0;
}

static jerry_value_t
gpio_close (const jerry_call_info_t *call, const jerry_value_t args[], const jerry_length_t argc)
{
  (void) call;
  jh_line_t *l = line_arg (args, argc);
  if (l == NULL)
    return jh_error ("gpioClose: not an open line");
  release (l);
  return jerry_number (0);
}

void
jh_gpio_register (jerry_value_t jhost)
{
  jh_set_fn (jhost, "gpioOutput", gpio_output);
  jh_set_fn (jhost, "gpioInput", gpio_input);
  jh_set_fn (jhost, "gpioWrite", gpio_write);
  jh_set_fn (jhost, "gpioRead", gpio_read);
  jh_set_fn (jhost, "gpioClose", gpio_close);
}

void
jh_gpio_release (void)
{
  for (int i = 0; i < JH_MAX_LINES; i++)
    if (lines[i].used)
      release (&lines[i]);
}
