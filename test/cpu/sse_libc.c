// glibc's SSE2 string functions (linked from libc.a by their internal names)
// and loops that gcc -O3 vectorizes with SSE2 integer instructions. Built
// without libc startup: the same bytes run natively and on the emulator, and
// print one hash per function over many lengths, alignments and contents.
typedef unsigned long size_t;
typedef unsigned char u8;

extern size_t __strlen_sse2(const char *);
extern size_t __strnlen_sse2(const char *, size_t);
extern char *__strchr_sse2(const char *, int);
extern char *__strchrnul_sse2(const char *, int);
extern int __strcmp_sse2(const char *, const char *);
extern int __strcmp_sse2_unaligned(const char *, const char *);
extern int __strncmp_sse2(const char *, const char *, size_t);
extern char *__strcpy_sse2_unaligned(char *, const char *);
extern char *__stpcpy_sse2_unaligned(char *, const char *);
extern char *__strcat_sse2_unaligned(char *, const char *);
extern void *__memchr_sse2(const void *, int, size_t);
extern void *__memrchr_sse2(const void *, int, size_t);
extern void *__rawmemchr_sse2(const void *, int);
extern int __memcmp_sse2(const void *, const void *, size_t);
extern void *__memmove_sse2_unaligned_erms(void *, const void *, size_t);
extern void *__memmove_sse2_unaligned(void *, const void *, size_t);
extern void *__memset_sse2_unaligned_erms(void *, int, size_t);
extern size_t __wcslen_sse2(const int *);

// the tuning variables glibc's startup would set from cpuid: non-temporal
// stores (movntdq) above 64 KiB (lower than any real cache: a short test), rep movsb/stosb in between
long __x86_shared_non_temporal_threshold = 0x10000;
long __x86_rep_movsb_threshold = 2048;
long __x86_rep_stosb_threshold = 2048;
long __x86_rep_movsb_stop_threshold = 0x10000;

void *memcpy(void *d, const void *s, size_t n) { return __memmove_sse2_unaligned(d, s, n); }
void *memmove(void *d, const void *s, size_t n) { return __memmove_sse2_unaligned(d, s, n); }
void *memset(void *d, int c, size_t n) { return __memset_sse2_unaligned_erms(d, c, n); }

static long sys(long n, long a, long b, long c) {
  long r;
  __asm__ volatile("syscall" : "=a"(r) : "a"(n), "D"(a), "S"(b), "d"(c) : "rcx", "r11", "memory");
  return r;
}

static char out[8192];
static int outn;
static void put(const char *s) { while (*s) out[outn++] = *s++; }
static void hex(unsigned long v) {
  char t[17];
  for (int i = 15; i >= 0; i--) { t[i] = "0123456789abcdef"[v & 15]; v >>= 4; }
  t[16] = 0;
  put(t);
}
static unsigned long h;
static void mix(unsigned long v) { h = (h ^ v) * 0x100000001b3UL; }
static void report(const char *name) { put(name); put(" "); hex(h); put("\n"); h = 0xcbf29ce484222325UL; }

static unsigned seed = 12345;
static unsigned rnd(void) { seed = seed * 1103515245 + 12345; return seed >> 8; }

#define BIG (1 << 17)
static u8 A[BIG + 256] __attribute__((aligned(64))), B[BIG + 256] __attribute__((aligned(64)));
static int W[1024];

static const int LENS[] = {0, 1, 2, 3, 7, 8, 15, 16, 17, 31, 32, 33, 47, 48, 63, 64, 65, 95, 127, 128, 129, 200, 255, 256, 257, 511, 1000, 2047, 2048, 2049, 4095, 5000};
#define NLENS (int)(sizeof LENS / sizeof LENS[0])

/** A[al .. al+n) = a string of n non-NUL bytes (sometimes with a 'q'), NUL-terminated. */
static char *str(int al, int n, int q) {
  char *s = (char *)A + al;
  for (int i = 0; i < n; i++) s[i] = 'a' + (rnd() % 20);
  if (q && n) s[rnd() % n] = 'q';
  s[n] = 0;
  return s;
}

static long vec_sum(const u8 *p, int n) { long s = 0; for (int i = 0; i < n; i++) s += p[i]; return s; }
static int vec_count(const u8 *p, int n, u8 c) { int k = 0; for (int i = 0; i < n; i++) k += p[i] == c; return k; }
static void vec_ops(u8 *d, const u8 *a, const u8 *b, int n) {
  for (int i = 0; i < n; i++) d[i] = a[i] < b[i] ? a[i] : b[i];
  for (int i = 0; i < n; i++) d[i] ^= a[i] > b[i] ? a[i] : b[i];
  for (int i = 0; i < n; i++) d[i] += (a[i] + b[i] + 1) >> 1;
  for (int i = 0; i < n; i++) { int s = a[i] + b[i]; d[i] ^= s > 255 ? 255 : s; }
  for (int i = 0; i < n; i++) { int s = a[i] - b[i]; d[i] += s < 0 ? 0 : s; }
  for (int i = 0; i < n; i++) { int s = (signed char)a[i] + (signed char)b[i]; d[i] ^= s > 127 ? 127 : s < -128 ? -128 : s; }
}
static void vec16(short *d, const short *a, const short *b, int n) {
  for (int i = 0; i < n; i++) d[i] = (a[i] * b[i]) >> 16;
  for (int i = 0; i < n; i++) d[i] += a[i] * b[i];
  for (int i = 0; i < n; i++) d[i] ^= a[i] < b[i] ? a[i] : b[i];
  for (int i = 0; i < n; i++) d[i] += a[i] > b[i] ? a[i] : b[i];
  for (int i = 0; i < n; i++) d[i] ^= a[i] >> 3;
  for (int i = 0; i < n; i++) d[i] += (unsigned short)a[i] >> 5;
  for (int i = 0; i < n; i++) d[i] ^= ((unsigned)(unsigned short)a[i] * (unsigned short)b[i]) >> 16;
}
static void vec32(int *d, const int *a, const int *b, int n) {
  for (int i = 0; i < n; i++) d[i] = a[i] * b[i];
  for (int i = 0; i < n; i++) d[i] += a[i] >> 7;
  for (int i = 0; i < n; i++) d[i] ^= (unsigned)b[i] >> 9;
  for (int i = 0; i < n; i++) d[i] += a[i] > b[i] ? 1 : 0;
  for (int i = 0; i < n; i++) d[i] ^= a[i] == b[i] ? 5 : 0;
  for (int i = 0; i < n; i++) d[i] += b[i] << 3;
}
static void vec64(long *d, const long *a, const long *b, int n) {
  for (int i = 0; i < n; i++) d[i] = a[i] + b[i];
  for (int i = 0; i < n; i++) d[i] ^= a[i] << 13;
  for (int i = 0; i < n; i++) d[i] += (unsigned long)b[i] >> 11;
  for (int i = 0; i < n; i++) d[i] ^= (unsigned long)(unsigned)a[i] * (unsigned)b[i];
}
static unsigned sad(const u8 *a, const u8 *b, int n) { unsigned s = 0; for (int i = 0; i < n; i++) s += a[i] > b[i] ? a[i] - b[i] : b[i] - a[i]; return s; }

__attribute__((force_align_arg_pointer)) void _start(void) {
  h = 0xcbf29ce484222325UL;
  for (int t = 0; t < NLENS; t++) for (int al = 0; al < 16; al += 5) {
    int n = LENS[t];
    char *s = str(al, n, t & 1);
    mix(__strlen_sse2(s));
    mix(__strnlen_sse2(s, n / 2 + 1));
  }
  report("strlen/strnlen");
  for (int t = 0; t < NLENS; t++) for (int al = 0; al < 16; al += 3) {
    char *s = str(al, LENS[t], 1);
    char *p = __strchr_sse2(s, 'q'); mix(p ? p - s : -1);
    mix(__strchr_sse2(s, 0) - s);
    mix(__strchrnul_sse2(s, 'z') - s);
    p = __memchr_sse2(s, 'q', LENS[t]); mix(p ? p - s : -1);
    p = __memrchr_sse2(s, 'b', LENS[t]); mix(p ? p - s : -1);
    mix((char *)__rawmemchr_sse2(s, 0) - s);
  }
  report("strchr/memchr");
  for (int t = 0; t < NLENS; t++) for (int al = 0; al < 16; al += 7) for (int bl = 0; bl < 16; bl += 6) {
    int n = LENS[t];
    char *s = str(al, n, 0), *d = (char *)B + bl;
    mix(__stpcpy_sse2_unaligned(d, s) - d);
    mix(__strcmp_sse2(s, d) == 0);
    mix(__strcmp_sse2_unaligned(s, d) == 0);
    if (n) d[rnd() % n] ^= 1 + (rnd() & 0x3f);
    int c = __strcmp_sse2(s, d); mix(c < 0 ? -1 : c > 0);
    c = __strcmp_sse2_unaligned(d, s); mix(c < 0 ? -1 : c > 0);
    c = __strncmp_sse2(s, d, n / 2); mix(c < 0 ? -1 : c > 0);
    c = __memcmp_sse2(s, d, n); mix(c < 0 ? -1 : c > 0);
    __strcpy_sse2_unaligned(d, s);
    __strcat_sse2_unaligned(d, "tail");
    mix(__strlen_sse2(d));
  }
  report("strcpy/strcmp/memcmp");
  for (int t = 0; t < NLENS; t++) for (int al = 0; al < 16; al += 7) for (int bl = 1; bl < 16; bl += 6) {
    int n = LENS[t];
    for (int i = 0; i < n + 64; i++) A[i] = rnd();
    __memset_sse2_unaligned_erms(B, 0x5a, n + 64);
    __memmove_sse2_unaligned_erms(B + bl, A + al, n);
    for (int i = 0; i < n + 64; i++) mix(B[i]);
    __memmove_sse2_unaligned_erms(B + bl + 3, B + bl, n); // overlapping, backwards
    __memmove_sse2_unaligned_erms(B + 1, B + 2, n);       // overlapping, forwards
    __memset_sse2_unaligned_erms(B + al, rnd(), n);
    for (int i = 0; i < n + 64; i++) mix(B[i]);
  }
  report("memmove/memset");
  // past the non-temporal threshold: prefetcht0, movntdq, sfence
  for (int i = 0; i < BIG; i++) A[i] = rnd();
  __memmove_sse2_unaligned_erms(B + 5, A + 3, BIG - 100);
  for (int i = 0; i < BIG; i += 97) mix(B[i]);
  __memmove_sse2_unaligned_erms(B, B + 4096, BIG - 8192);
  for (int i = 0; i < BIG; i += 89) mix(B[i]);
  report("memmove large");
  for (int i = 0; i < 1023; i++) W[i] = 1 + rnd() % 1000;
  for (int n = 0; n < 1023; n += 31) { W[n] = 0; mix(__wcslen_sse2(W)); W[n] = 1; }
  report("wcslen");

  for (int i = 0; i < 4096; i++) { A[i] = rnd(); B[i] = rnd(); }
  for (int n = 0; n < 300; n += 7) {
    mix(vec_sum(A + n % 5, n));
    mix(vec_count(A + 1, n * 3, A[n]));
    mix(sad(A + n, B, n));
  }
  static u8 D[4096];
  static short S16[3][512];
  static int S32[3][512];
  static long S64[3][512];
  for (int n = 0; n < 520; n += 37) {
    vec_ops(D, A + n, B + 2 * n, n);
    for (int i = 0; i < n; i++) mix(D[i]);
  }
  for (int i = 0; i < 512; i++) {
    S16[1][i] = (short)(A[2 * i] | A[2 * i + 1] << 8); S16[2][i] = (short)(B[2 * i] | B[2 * i + 1] << 8);
    S32[1][i] = (int)(rnd() ^ rnd() << 16); S32[2][i] = (int)(rnd() ^ rnd() << 11);
    S64[1][i] = (long)rnd() << 40 ^ rnd(); S64[2][i] = (long)rnd() << 33 ^ (long)rnd() << 7;
  }
  S16[1][3] = -32768; S16[2][3] = -32768; S32[1][5] = S32[2][5]; S16[1][7] = S16[2][7];
  for (int n = 1; n < 512; n += 61) {
    vec16(S16[0], S16[1], S16[2], n); vec32(S32[0], S32[1], S32[2], n); vec64(S64[0], S64[1], S64[2], n);
    for (int i = 0; i < n; i++) { mix(S16[0][i]); mix(S32[0][i]); mix(S64[0][i]); }
  }
  report("vectorized loops");

  sys(1, 1, (long)out, outn);
  sys(60, 0, 0, 0);
}
