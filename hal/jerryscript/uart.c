/* jhost: UARTs on Linux serial devices (termios raw 8N1), 8-bit clean both ways, received chunks delivered to a callback.
 *
 * jhost.uartOpen(path, baud, onData) -> handle (>= 0) or an error string
 * jhost.uartBaud(handle, baud)       -> 0 or an error string (re-open at another rate)
 * jhost.uartWrite(handle, str)       -> bytes written, or an error string; each char code 0..255
 *                                       is one byte (never UTF-8); waits while the device's
 *                                       transmit buffer is full, up to JH_UART_WRITE_TIMEOUT_MS
 * jhost.uartClose(handle)            -> 0 or an error string
 * onData(chunk) gets 8-bit strings of 1..JH_UART_CHUNK bytes; onData(null, message) once when the
 * device fails or hangs up (the UART then stops receiving; uartClose releases it). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "jhost.h"

/* Rates the termios B-constants name; anything else goes through termios2 (uart-baud.c). */
static const struct
{
  unsigned rate;
  speed_t code;
} standard_rates[] = {
  { 50, B50 },           { 75, B75 },           { 110, B110 },         { 134, B134 },         { 150, B150 },
  { 200, B200 },         { 300, B300 },         { 600, B600 },         { 1200, B1200 },       { 1800, B1800 },
  { 2400, B2400 },       { 4800, B4800 },       { 9600, B9600 },       { 19200, B19200 },     { 38400, B38400 },
  { 57600, B57600 },     { 115200, B115200 },   { 230400, B230400 },   { 460800, B460800 },   { 500000, B500000 },
  { 576000, B576000 },   { 921600, B921600 },   { 1000000, B1000000 }, { 1152000, B1152000 }, { 1500000, B1500000 },
  { 2000000, B2000000 }, { 2500000, B2500000 }, { 3000000, B3000000 }, { 3500000, B3500000 }, { 4000000, B4000000 },
};

/* Set an arbitrary rate with termios2/BOTHER (uart-baud.c: its headers clash with <termios.h>). */
int jh_set_custom_baud (int fd, unsigned rate);

typedef struct
{
  int used;
  int fd;
  int watching;
  jerry_value_t on_data;
} jh_uart_t;

static jh_uart_t uarts[JH_MAX_UARTS];

static jh_uart_t *
uart_arg (const jerry_value_t args[], jerry_length_t argc)
{
  if (argc < 1 || !jerry_value_is_number (args[0]))
    return NULL;
  double h = jerry_value_as_number (args[0]);
  if (!(h >= 0 && h < JH_MAX_UARTS) || (double) (int) h != h || !uarts[(int) h].used)
    return NULL;
  return &uarts[(int) h];
}

/* Raw 8N1 at `baud`: no echo, no line editing, no CR/LF translation, no flow control. */
static jerry_value_t
configure (int fd, unsigned baud)
{
  struct termios tio;
  if (tcgetattr (fd, &tio) != 0)
    return jh_error ("tcgetattr: %s", strerror (errno));
  cfmakeraw (&tio);
  tio.c_cflag &= (tcflag_t) ~(CSIZE | PARENB | CSTOPB | CRTSCTS);
  tio.c_cflag |= CS8 | CLOCAL | CREAD;
  tio.c_iflag &= (tcflag_t) ~(IXON | IXOFF | IXANY);
  tio.c_cc[VMIN] = 1;
  tio.c_cc[VTIME] = 0;
  speed_t code = 0;
  for (size_t i = 0; i < sizeof standard_rates / sizeof standard_rates[0]; i++)
    if (standard_rates[i].rate == baud)
      code = standard_rates[i].code;
  if (code != 0)
  {
    cfsetispeed (&tio, code);
    cfsetospeed (&tio, code);
  }
  if (tcsetattr (fd, TCSANOW, &tio) != 0)
    return jh_error ("tcsetattr: %s", strerror (errno));
  if (code == 0 && jh_set_custom_baud (fd, baud) != 0)
    return jh_error ("baud %u: %s", baud, strerror (errno));
  return jerry_undefined ();
}

static void
stop_watching (jh_uart_t *u)
{
  if (u->watching)
    jh_watch_remove (u->fd);
  u->watching = 0;
}

static void
deliver_failure (jh_uart_t *u, const char *what)
{
  stop_watching (u);
  jerry_value_t args[2] = { jerry_null (), jh_error ("%s", what) };
  jerry_value_t fn = jerry_value_copy (u->on_data);
  jh_call (fn, args, 2, "a UART data callback");
  jerry_value_free (fn);
  jerry_value_free (args[1]);
}

static void
on_ready (void *user, short revents)
{
  jh_uart_t *u = user;
  uint8_t buf[JH_UART_CHUNK];
  ssize_t n = read (u->fd, buf, sizeof buf);
  if (n > 0)
  {
    jerry_value_t chunk = jh_bytes_to_string (buf, (size_t) n);
    /* the callback may close the UART (and free on_data): hold our own reference */
    jerry_value_t fn = jerry_value_copy (u->on_data);
    jh_call (fn, &chunk, 1, "a UART data callback");
    jerry_value_free (fn);
    jerry_value_free (chunk);
    return;
  }
  if (n < 0 && (errno == EAGAIN || errno == EINTR))
    return;
  deliver_failure (u, n == 0 || (revents & POLLHUP) ? "the device hung up" : strerror (errno));
}

static jerry_value_t
uart_open (const jerry_call_info_t *call, const jerry_value_t args[], const jerry_length_t argc)
{
  (void) call;
  if (argc < 3 || !jerry_value_is_string (args[0]) || !jerry_value_is_number (args[1]) || !jerry_value_is_function (args[2]))
    return jh_error ("uartOpen: expected (path, baud, onData)");
  char path[256];
  if (jerry_string_size (args[0], JERRY_ENCODING_UTF8) >= sizeof path)
    return jh_error ("uartOpen: path longer than %u bytes", (unsigned) sizeof path - 1);
  jerry_size_t len = jerry_string_to_buffer (args[0], JERRY_ENCODING_UTF8, (jerry_char_t *) path, sizeof path - 1);
  path[len] = 0;
  double baud = jerry_value_as_number (args[1]);
  if (!(baud >= 50 && baud <= 16000000))
    return jh_error ("uartOpen: baud %g out of range", baud);
  int slot = -1;
  for (int i = 0; i < JH_MAX_UARTS && slot < 0; i++)
    if (!uarts[i].used)
      slot = i;
  if (slot < 0)
    return jh_error ("uartOpen: all %d UARTs are open", JH_MAX_UARTS);
  int fd = open (path, O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0)
    return jh_error ("open %s: %s", path, strerror (errno));
  jerry_value_t err = configure (fd, (unsigned) baud);
  if (!jerry_value_is_undefined (err))
  {
    close (fd);
    return err;
  }
  if (jh_watch_add (fd, on_ready, &uarts[slot]) != 0)
  {
    close (fd);
    return jh_error ("uartOpen: all %d watches are in use", JH_MAX_WATCHES);
  }
  uarts[slot].used = 1;
  uarts[slot].fd = fd;
  uarts[slot].watching = 1;
  uarts[slot].on_data = jerry_value_copy (args[2]);
  return jerry_number (slot);
}

static jerry_value_t
uart_baud (const jerry_call_info_t *call, const jerry_value_t args[], const jerry_length_t argc)
{
  (void) call;
  jh_uart_t *u = uart_arg (args, argc);
  if (u == NULL || argc < 2 || !jerry_value_is_number (args[1]))
    return jh_error ("uartBaud: expected (handle, baud)");
  double baud = jerry_value_as_number (args[1]);
  if (!(baud >= 50 && baud <= 16000000))
    return jh_error ("uartBaud: baud %g out of range", baud);
  tcdrain (u->fd);
  jerry_value_t err = configure (u->fd, (unsigned) baud);
  return jerry_value_is_undefined (err) ? jerry_number (0) : err;
}

/* Write all of buf, waiting (poll) while the device is full; -1 with errno on failure or timeout. */
static ssize_t
write_all (int fd, const uint8_t *buf, size_t n)
{
  size_t done = 0;
  double deadline = jh_now_ms () + JH_UART_WRITE_TIMEOUT_MS;
  while (done < n)
  {
    ssize_t w = write (fd, buf + done, n - done);
    if (w > 0)
    {
      done += (size_t) w;
      continue;
    }
    if (w < 0 && errno != EAGAIN && errno != EINTR)
      return -1;
    double left = deadline - jh_now_ms ();
    if (left <= 0)
    {
      errno = ETIMEDOUT;
      return -1;
    }
    struct pollfd p = { .fd = fd, .events = POLLOUT, .revents = 0 };
    poll (&p, 1, (int) left + 1);
  }
  return (ssize_t) done;
}

static jerry_value_t
uart_write (const jerry_call_info_t *call, const jerry_value_t args[], const jerry_length_t argc)
{
  (void) call;
  jh_uart_t *u = uart_arg (args, argc);
  if (u == NULL || argc < 2)
    return jh_error ("uartWrite: expected (handle, string) on an open UART");
  uint8_t *bytes;
  size_t n;
  jerry_value_t err = jh_string_to_bytes (args[1], &bytes, &n);
  if (!jerry_value_is_undefined (err))
    return err;
  ssize_t w = write_all (u->fd, bytes, n);
  free (bytes);
  if (w < 0)
    return jh_error ("uartWrite: %s", strerror (errno));
  return jerry_number ((double) w);
}

static void
release (jh_uart_t *u)
{
  stop_watching (u);
  close (u->fd);
  jerry_value_free (u->on_data);
  u->used = 0;
}

static jerry_value_t
uart_close (const jerry_call_info_t *call, const jerry_value_t args[], const jerry_length_t argc)
{
  (void) call;
  jh_uart_t *u = uart_arg (args, argc);
  if (u == NULL)
    return jh_error ("uartClose: not an open UART");
  release (u);
  return jerry_number (0);
}

void
jh_uart_register (jerry_value_t jhost)
{
  jh_set_fn (jhost, "uartOpen", uart_open);
  jh_set_fn (jhost, "uartBaud", uart_baud);
  jh_set_fn (jhost, "uartWrite", uart_write);
  jh_set_fn (jhost, "uartClose", uart_close);
}

void
jh_uart_release (void)
{
  for (int i = 0; i < JH_MAX_UARTS; i++)
    if (uarts[i].used)
      release (&uarts[i]);
}
