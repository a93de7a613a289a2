/* jhost: a UART rate that has no termios B-constant (e.g. 3200000, 3686400), through Linux termios2 and BOTHER. */
#include <asm/termbits.h>
#include <sys/ioctl.h>

int jh_set_custom_baud (int fd, unsigned rate);

/* 0, or -1 with errno set (the driver refuses the rate). */
int
jh_set_custom_baud (int fd, unsigned rate)
{
  struct termios2 tio;
  if (ioctl (fd, TCGETS2, &tio) != 0)
    return -1;
  tio.c_cflag &= ~(tcflag_t) CBAUD;
  tio.c_cflag |= BOTHER;
  tio.c_cflag &= ~(tcflag_t) (CBAUD << IBSHIFT);
  tio.c_cflag |= BOTHER << IBSHIFT;
  tio.c_ispeed = rate;
  tio.c_ospeed = rate;
  return ioctl (fd, TCSETS2, &tio);
}
