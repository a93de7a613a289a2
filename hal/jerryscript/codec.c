/* jhost: the native byte codec, 8-bit string <-> bytes, so that no byte loop runs in JavaScript.
 *
 * JerryScript keeps strings in CESU-8: a char code below 0x80 is one byte, 0x80..0xFF is two
 * (0xC2 or 0xC3, then a continuation byte). An "8-bit string" has one char per byte, so the
 * conversions are a plain copy for ASCII and a 1:2 / 2:1 re-encoding otherwise. */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "jhost.h"

/* Scratch for encoding one UART chunk without malloc (2 bytes per input byte at most). */
static uint8_t scratch[2 * JH_UART_CHUNK];

jerry_value_t
jh_bytes_to_string (const uint8_t *bytes, size_t n)
{
  size_t i = 0;
  while (i < n && bytes[i] < 0x80)
    i++;
  if (i == n)
    return jerry_string (bytes, (jerry_size_t) n, JERRY_ENCODING_CESU8);

  uint8_t *out = n <= JH_UART_CHUNK ? scratch : malloc (2 * n);
  if (out == NULL)
    return jerry_null ();
  memcpy (out, bytes, i);
  size_t o = i;
  for (; i < n; i++)
  {
    uint8_t b = bytes[i];
    if (b < 0x80)
      out[o++] = b;
    else
    {
      out[o++] = (uint8_t) (0xC0 | (b >> 6));
      out[o++] = (uint8_t) (0x80 | (b & 0x3F));
    }
  }
  jerry_value_t s = jerry_string (out, (jerry_size_t) o, JERRY_ENCODING_CESU8);
  if (out != scratch)
    free (out);
  return s;
}

/* Decode CESU-8 `buf[0, size)` to bytes in place; returns the byte count, or -1 on a char above 255. */
static long
decode_in_place (uint8_t *buf, size_t size)
{
  size_t o = 0;
  for (size_t i = 0; i < size; i++)
  {
    uint8_t b = buf[i];
    if (b < 0x80)
      buf[o++] = b;
    else if ((b & 0xFE) == 0xC2 && i + 1 < size)
      buf[o++] = (uint8_t) (((b & 0x03) << 6) | (buf[++i] & 0x3F));
    else
      return -1;
  }
  return (long) o;
}

jerry_value_t
jh_string_to_bytes (jerry_value_t str, uint8_t **out, size_t *n)
{
  if (!jerry_value_is_string (str))
    return jh_error ("expected a string");
  jerry_size_t size = jerry_string_size (str, JERRY_ENCODING_CESU8);
  uint8_t *buf = malloc (size ? size : 1);
  if (buf == NULL)
    return jh_error ("no memory for %u bytes", (unsigned) size);
  jerry_string_to_buffer (str, JERRY_ENCODING_CESU8, buf, size);
  long got = decode_in_place (buf, size);
  if (got < 0)
  {
    free (buf);
    return jh_error ("not an 8-bit string (a char code above 255)");
  }
  *out = buf;
  *n = (size_t) got;
  return jerry_undefined ();
}

/* jhost.toBytes(str) -> Uint8Array, or an error string. */
static jerry_value_t
to_bytes (const jerry_call_info_t *call, const jerry_value_t args[], const jerry_length_t argc)
{
  (void) call;
  if (argc < 1 || !jerry_value_is_string (args[0]))
    return jh_error ("toBytes: expected a string");
  jerry_length_t len = jerry_string_length (args[0]);
  jerry_size_t size = jerry_string_size (args[0], JERRY_ENCODING_CESU8);
  jerry_value_t arr = jerry_typedarray (JERRY_TYPEDARRAY_UINT8, len);
  if (jerry_value_is_exception (arr))
  {
    jerry_value_free (arr);
    return jh_error ("toBytes: cannot allocate %u bytes", (unsigned) len);
  }
  if (len == 0)
    return arr;
  jerry_size_t off = 0, blen = 0;
  jerry_value_t ab = jerry_typedarray_buffer (arr, &off, &blen);
  uint8_t *data = jerry_arraybuffer_data (ab);
  jerry_value_free (ab);
  if (data == NULL)
  {
    jerry_value_free (arr);
    return jh_error ("toBytes: no array buffer");
  }
  data += off;
  if (size == len) /* ASCII only: CESU-8 is the bytes themselves */
  {
    jerry_string_to_buffer (args[0], JERRY_ENCODING_CESU8, data, len);
    return arr;
  }
  uint8_t *bytes;
  size_t n;
  jerry_value_t err = jh_string_to_bytes (args[0], &bytes, &n);
  if (!jerry_value_is_undefined (err))
  {
    jerry_value_free (arr);
    return err;
  }
  memcpy (data, bytes, n < len ? n : len);
  free (bytes);
  return arr;
}

/* An integer argument clamped to [lo, hi]; `dflt` when absent or not a number. */
static uint32_t
clamp_arg (const jerry_value_t args[], jerry_length_t argc, jerry_length_t i, uint32_t dflt, uint32_t lo, uint32_t hi)
{
  double v = (i < argc && jerry_value_is_number (args[i])) ? jerry_value_as_number (args[i]) : (double) dflt;
  if (!(v >= lo)) /* also NaN */
    return lo;
  if (v > hi)
    return hi;
  return (uint32_t) v;
}

/* jhost.fromBytes(u8, start, end) -> the 8-bit string of u8[start, end) (clamped like subarray); errors are
 * numbers (a string result is always data): -1 not a Uint8Array, -2 no memory. */
#define FROM_BYTES_NOT_UINT8ARRAY (-1)
#define FROM_BYTES_NO_MEMORY (-2)
static jerry_value_t
from_bytes (const jerry_call_info_t *call, const jerry_value_t args[], const jerry_length_t argc)
{
  (void) call;
  if (argc < 1 || !jerry_value_is_typedarray (args[0]))
    return jerry_number (FROM_BYTES_NOT_UINT8ARRAY);
  jerry_typedarray_type_t t = jerry_typedarray_type (args[0]);
  if (t != JERRY_TYPEDARRAY_UINT8 && t != JERRY_TYPEDARRAY_UINT8CLAMPED)
    return jerry_number (FROM_BYTES_NOT_UINT8ARRAY);
  jerry_length_t len = jerry_typedarray_length (args[0]);
  uint32_t start = clamp_arg (args, argc, 1, 0, 0, len);
  uint32_t end = clamp_arg (args, argc, 2, len, start, len);
  jerry_size_t off = 0, blen = 0;
  jerry_value_t ab = jerry_typedarray_buffer (args[0], &off, &blen);
  uint8_t *data = jerry_arraybuffer_data (ab);
  jerry_value_free (ab);
  if (data == NULL)
    return len == 0 ? jerry_string_sz ("") : jerry_number (FROM_BYTES_NO_MEMORY);
  jerry_value_t s = jh_bytes_to_string (data + off + start, end - start);
  return jerry_value_is_string (s) ? s : jerry_number (FROM_BYTES_NO_MEMORY);
}

/* jhost.is8bit(s) -> true when every char of s is a byte (code <= 0xFF); false for wider chars or a non-string.
 * In CESU-8 such a string has only ASCII bytes and two-byte sequences led by 0xC2 or 0xC3. */
static jerry_value_t
is_8bit (const jerry_call_info_t *call, const jerry_value_t args[], const jerry_length_t argc)
{
  (void) call;
  if (argc < 1 || !jerry_value_is_string (args[0]))
    return jerry_boolean (false);
  jerry_size_t size = jerry_string_size (args[0], JERRY_ENCODING_CESU8);
  if (size == jerry_string_length (args[0])) /* ASCII only */
    return jerry_boolean (true);
  uint8_t *buf = size <= sizeof scratch ? scratch : malloc (size);
  if (buf == NULL)
    return jerry_boolean (false);
  jerry_string_to_buffer (args[0], JERRY_ENCODING_CESU8, buf, size);
  bool ok = true;
  for (jerry_size_t i = 0; i < size && ok; i++)
  {
    if (buf[i] < 0x80)
      continue;
    if ((buf[i] & 0xFE) == 0xC2 && i + 1 < size)
      i++; /* the continuation byte */
    else
      ok = false;
  }
  if (buf != scratch)
    free (buf);
  return jerry_boolean (ok);
}

void
jh_codec_register (jerry_value_t jhost)
{
  jh_set_fn (jhost, "toBytes", to_bytes);
  jh_set_fn (jhost, "fromBytes", from_bytes);
  jh_set_fn (jhost, "is8bit", is_8bit);
}
