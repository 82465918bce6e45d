/* Loops gcc -O3 -march=x86-64-v2 vectorises with SSE4.1's and SSSE3's
 * instructions (pmovsx/zx, pminud, pmulld, pblendvb, pcmpgtq, pshufb,
 * roundps, packusdw, pabsb, palignr ...), on random data: a checksum of
 * every array after each loop, which must equal the native run's. */
#include <stdint.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <stdio.h>
#include "../xorshift.h"
#define N 4096
int8_t a8[N], b8[N]; uint8_t u8[N], v8[N]; int16_t a16[N], b16[N]; uint16_t u16[N]; int32_t a32[N], b32[N]; uint32_t u32[N];
int64_t a64[N], b64[N]; uint64_t u64[N]; float f[N], g[N]; double d[N], e[N];
void k1(void){ for(int i=0;i<N;i++) a8[i]=a8[i]*b8[i]; }
void k2(void){ for(int i=0;i<N;i++) u8[i]=(u8[i]+v8[i]+1)>>1; }
void k3(void){ for(int i=0;i<N;i++) a16[i]=a16[i]>b16[i]?a16[i]:b16[i]; }
void k4(void){ for(int i=0;i<N;i++) a32[i]=a32[i]/7; }
void k5(void){ for(int i=0;i<N;i++) u32[i]=u32[i]/13; }
void k6(void){ for(int i=0;i<N;i++) a64[i]=a64[i]*b64[i]; }
void k7(void){ for(int i=0;i<N;i++) a64[i]=a64[i]<0?-a64[i]:a64[i]; }
void k8(void){ for(int i=0;i<N;i++) f[i]=f[i]>g[i]?f[i]:g[i]; }
void k9(void){ for(int i=0;i<N;i++) d[i]=(double)a32[i]*e[i]; }
void k10(void){ for(int i=0;i<N;i++) a32[i]=(int)f[i]; }
void k11(void){ for(int i=0;i<N;i++) f[i]=(float)d[i]; }
void k12(void){ for(int i=0;i<N;i++) u64[i]=__builtin_bswap64(u64[i]); }
void k13(void){ for(int i=0;i<N;i++) u32[i]=u32[i]<<(a32[i]&31); }
void k14(void){ for(int i=0;i<N;i++) a16[i]=(int16_t)((a16[i]*b16[i])>>15); }
int k15(void){ int s=0; for(int i=0;i<N;i++) s+=u8[i]; return s; }
int64_t k16(void){ int64_t s=0; for(int i=0;i<N;i++) s+=a8[i]*b8[i]; return s; }
float k17(void){ float s=0; for(int i=0;i<N;i++) s+=f[i]*g[i]; return s; }
void k18(void){ for(int i=0;i<N;i++) u8[i]=u8[i]>='a'&&u8[i]<='z'?u8[i]-32:u8[i]; }
void k19(void){ for(int i=0;i<N;i++) f[i]=floorf(f[i]); for(int i=0;i<N;i++) d[i]=round(d[i]); }
void k20(void){ for(int i=0;i<N;i++) a64[i]=a32[i]; for(int i=0;i<N;i++) u64[i]=u16[i]; }
void k21(void){ for(int i=0;i<N;i++) u16[i]=u32[i]>65535?65535:u32[i]; }
void k22(void){ for(int i=0;i<N;i++) a64[i]=a64[i]>b64[i]?a64[i]:b64[i]; }
void k23(void){ for(int i=0;i<N;i++) d[i]=sqrt(d[i])+fabs(e[i]); }
void k24(void){ for(int i=0;i<N;i++) u32[i]=__builtin_popcount(u32[i]); }
int k25(void){ int m=0; for(int i=0;i<N;i++) m = a32[i]>m?a32[i]:m; return m; }
void k26(void){ for(int i=0;i<N;i+=2){ float t=f[i]; f[i]=f[i+1]; f[i+1]=t; } }
void k27(void){ for(int i=0;i<N;i++) a8[i]=abs(a8[i]); }
void k28(void){ for(int i=0;i<N;i++) d[i]=d[i]*e[N-1-i]; }
void k29(void){ for(int i=0;i<N;i++) u8[i]=(uint8_t)(u16[i]>>4); }
void k30(void){ for(int i=0;i<N;i++) a32[i] = u8[i] * 3 + a16[i]; }
static uint64_t hash = 1469598103934665603ull;
static void mix(const void *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		hash = (hash ^ ((const unsigned char *)p)[i]) * 1099511628211ull;
}
static void sum(const char *what)
{
	mix(a8, sizeof a8); mix(b8, sizeof b8); mix(u8, sizeof u8); mix(v8, sizeof v8); mix(a16, sizeof a16); mix(b16, sizeof b16);
	mix(u16, sizeof u16); mix(a32, sizeof a32); mix(b32, sizeof b32); mix(u32, sizeof u32); mix(a64, sizeof a64); mix(b64, sizeof b64);
	mix(u64, sizeof u64); mix(f, sizeof f); mix(g, sizeof g); mix(d, sizeof d); mix(e, sizeof e);
	printf("%-4s %016llx\n", what, (unsigned long long)hash);
}
#define RUN(k) (k(), sum(#k))
int main(void)
{
	uint64_t s = 88172645463325252ull;
	for (int i = 0; i < N; i++) {
		a8[i] = xorshift(&s); b8[i] = xorshift(&s); u8[i] = xorshift(&s); v8[i] = xorshift(&s);
		a16[i] = xorshift(&s); b16[i] = xorshift(&s); u16[i] = xorshift(&s);
		a32[i] = xorshift(&s); b32[i] = (int32_t)xorshift(&s) >> (i % 20); u32[i] = xorshift(&s);
		a64[i] = xorshift(&s); b64[i] = xorshift(&s); u64[i] = xorshift(&s);
		f[i] = (float)(int32_t)xorshift(&s) / 65536.0f; g[i] = (float)(int16_t)xorshift(&s) / 8.0f;
		d[i] = (double)(int64_t)xorshift(&s) / 1e15; e[i] = (double)(int32_t)xorshift(&s) / 1e3;
	}
	RUN(k1); RUN(k2); RUN(k3); RUN(k4); RUN(k5); RUN(k6); RUN(k7); RUN(k8); RUN(k9); RUN(k10); RUN(k11); RUN(k12); RUN(k13); RUN(k14);
	printf("%d %lld %a\n", k15(), (long long)k16(), k17());
	RUN(k18); RUN(k19); RUN(k20); RUN(k21); RUN(k22); RUN(k23); RUN(k24);
	printf("%d\n", k25());
	RUN(k26); RUN(k27); RUN(k28); RUN(k29); RUN(k30);
	return 0;
}
