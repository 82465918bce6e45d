/* sys.c: string helpers and unbuffered printing for the guest programs.
 * gcc may emit calls to memset/memcpy/memcmp even with -ffreestanding, so
 * they live here; memset and memcpy use rep stosb/movsb so that gcc cannot
 * turn their own loops back into calls to themselves. */
#include "sys.h"

size_t strlen(const char *s)
{
	size_t n = 0;
	while (s[n])
		n++;
	return n;
}

void *memset(void *d, int c, size_t n)
{
	void *ret = d;
	__asm__ volatile("rep stosb" : "+D"(d), "+c"(n) : "a"(c) : "memory");
	return ret;
}

void *memcpy(void *d, const void *s, size_t n)
{
	void *ret = d;
	__asm__ volatile("rep movsb" : "+D"(d), "+S"(s), "+c"(n) : : "memory");
	return ret;
}

int memcmp(const void *a, const void *b, size_t n)
{
	const u8 *x = a, *y = b;
	for (size_t i = 0; i < n; i++)
		if (x[i] != y[i])
			return x[i] < y[i] ? -1 : 1;
	return 0;
}

void put_str(const char *s)
{
	sys_write(1, s, strlen(s));
}

/* Decimal with an optional sign, formatted in one buffer: one write. */
static void put_number(unsigned long v, int negative)
{
	char buf[24];
	int i = sizeof(buf);
	do {
		buf[--i] = '0' + v % 10;
		v /= 10;
	} while (v);
	if (negative)
		buf[--i] = '-';
	sys_write(1, buf + i, sizeof(buf) - i);
}

void put_udec(unsigned long v)
{
	put_number(v, 0);
}

void put_dec(long v)
{
	put_number(v < 0 ? -(unsigned long)v : (unsigned long)v, v < 0);
}

static const char hex_digits[16] = "0123456789abcdef";

void put_hex(unsigned long v)
{
	char buf[18];
	int i = sizeof(buf);
	do {
		buf[--i] = hex_digits[v & 15];
		v >>= 4;
	} while (v);
	buf[--i] = 'x';
	buf[--i] = '0';
	sys_write(1, buf + i, sizeof(buf) - i);
}

void put_hex_bytes(const u8 *p, size_t n)
{
	char buf[128];
	size_t len = 0;
	for (size_t i = 0; i < n; i++) {
		buf[len++] = hex_digits[p[i] >> 4];
		buf[len++] = hex_digits[p[i] & 15];
		if (len == sizeof(buf) || i + 1 == n) {
			sys_write(1, buf, len);
			len = 0;
		}
	}
}

unsigned long parse_ulong(const char *s, unsigned long fallback)
{
	unsigned long v = 0;
	if (!s || !*s)
		return fallback;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return fallback;
		v = v * 10 + (*s - '0');
	}
	return v;
}

void *map_pages(unsigned long pages)
{
	long r = sys_mmap(0, pages * PAGE_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (is_err(r)) {
		put_str("mmap failed: ");
		put_dec(r);
		put_str("\n");
		sys_exit(1);
	}
	return (void *)r;
}
