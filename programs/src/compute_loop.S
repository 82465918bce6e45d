/* compute_loop: register-only work for measuring guest MIPS.
 * Runs N rounds (argv[1], default 10000000) of a xorshift64 step plus an
 * add/rotate mix, touching no memory inside the loop: 13 instructions a
 * round. Prints the final value in hex. */
	.file	"compute_loop.S"		/* not the temporary name gcc would give */
	.text
	.globl	_start
_start:
	movq	(%rsp), %rcx		/* argc */
	movq	$10000000, %r8		/* default rounds */
	cmpq	$2, %rcx
	jb	.Lstart
	movq	16(%rsp), %rsi		/* argv[1] */
	xorl	%r8d, %r8d
.Lparse:
	movzbl	(%rsi), %eax
	testl	%eax, %eax
	jz	.Lstart
	subl	$'0', %eax
	imulq	$10, %r8, %r8
	addq	%rax, %r8
	incq	%rsi
	jmp	.Lparse
.Lstart:
	movabsq	$0x9e3779b97f4a7c15, %rax	/* state */
	xorl	%ebx, %ebx			/* mix */
	testq	%r8, %r8
	jz	.Ldone
.Lloop:
	movq	%rax, %rdx
	shlq	$13, %rdx
	xorq	%rdx, %rax
	movq	%rax, %rdx
	shrq	$7, %rdx
	xorq	%rdx, %rax
	movq	%rax, %rdx
	shlq	$17, %rdx
	xorq	%rdx, %rax
	addq	%rax, %rbx
	rolq	$5, %rbx
	decq	%r8
	jnz	.Lloop
.Ldone:
	/* print rbx as 16 hex digits and a newline from a buffer on the stack */
	subq	$32, %rsp
	movb	$'\n', 16(%rsp)
	movl	$16, %ecx
.Lhex:
	movl	%ebx, %eax
	andl	$15, %eax
	leaq	digits(%rip), %rdx
	movb	(%rdx,%rax), %al
	movb	%al, -1(%rsp,%rcx)
	shrq	$4, %rbx
	decl	%ecx
	jnz	.Lhex
	movl	$1, %eax
	movl	$1, %edi
	movq	%rsp, %rsi
	movl	$17, %edx
	syscall
	movl	$231, %eax
	xorl	%edi, %edi
	syscall
	hlt

	.section .rodata
digits:	.ascii	"0123456789abcdef"
	.section .note.GNU-stack,"",@progbits
