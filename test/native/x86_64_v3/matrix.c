/* Dense linear algebra as gcc -O3 -march=x86-64-v3 vectorises it: float and
 * double matrix products (FMA), a transpose, Horner polynomials, a stencil
 * and a reduction to min and max. Prints checksums of each result. */
#include <stdio.h>

#define M 48
static float A[M][M], B[M][M], C[M][M];
static double D[M][M], E[M][M], F[M][M];

__attribute__((noinline)) static void matmulf(void) {
	for (int i = 0; i < M; i++)
		for (int j = 0; j < M; j++) {
			float t = 0;
			for (int k = 0; k < M; k++) t += A[i][k] * B[j][k];
			C[i][j] = t;
		}
}
__attribute__((noinline)) static void matmuld(void) {
	for (int i = 0; i < M; i++)
		for (int k = 0; k < M; k++)
			for (int j = 0; j < M; j++) F[i][j] += D[i][k] * E[k][j];
}
__attribute__((noinline)) static void transpose(void) {
	for (int i = 0; i < M; i++)
		for (int j = 0; j < M; j++) B[j][i] = A[i][j] * 0.5f;
}
__attribute__((noinline)) static void horner(double *r, const double *x, int n) {
	for (int i = 0; i < n; i++) r[i] = ((((x[i] * 0.125 - 0.5) * x[i] + 1.25) * x[i] - 3.0) * x[i] + 7.0);
}
__attribute__((noinline)) static void stencil(float *r, const float *x, int n) {
	for (int i = 1; i < n - 1; i++) r[i] = 0.25f * x[i - 1] + 0.5f * x[i] + 0.25f * x[i + 1];
}
__attribute__((noinline)) static void minmax(const float *x, int n, float *lo, float *hi) {
	float a = x[0], b = x[0];
	for (int i = 0; i < n; i++) { a = x[i] < a ? x[i] : a; b = x[i] > b ? x[i] : b; }
	*lo = a; *hi = b;
}

static double sumf(float (*m)[M]) { double t = 0; for (int i = 0; i < M; i++) for (int j = 0; j < M; j++) t += m[i][j] * (1 + (i ^ j) % 5); return t; }
static double sumd(double (*m)[M]) { double t = 0; for (int i = 0; i < M; i++) for (int j = 0; j < M; j++) t += m[i][j] * (1 + (i ^ j) % 5); return t; }

int main(void) {
	for (int i = 0; i < M; i++)
		for (int j = 0; j < M; j++) {
			A[i][j] = (float)((i * 7 + j * 3) % 17) / 7.0f - 1.0f;
			B[i][j] = (float)((i * 5 + j * 11) % 13) / 3.0f;
			D[i][j] = (double)((i * 3 + j) % 23) / 11.0 - 0.75;
			E[i][j] = 1.0 / (1 + i + j);
		}
	matmulf();
	printf("matmulf %.9g\n", sumf(C));
	matmuld();
	printf("matmuld %.17g\n", sumd(F));
	transpose();
	matmulf();
	printf("transposed %.9g\n", sumf(C));
	double x[M * M], r[M * M];
	for (int i = 0; i < M * M; i++) x[i] = i / 100.0 - 11.0;
	horner(r, x, M * M);
	double t = 0;
	for (int i = 0; i < M * M; i++) t += r[i];
	printf("horner %.17g\n", t);
	stencil(&C[0][0], &A[0][0], M * M);
	printf("stencil %.9g\n", sumf(C));
	float lo, hi;
	minmax(&C[0][0], M * M, &lo, &hi);
	printf("minmax %.9g %.9g\n", lo, hi);
	return 0;
}
