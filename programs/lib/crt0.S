/* crt0.S: the start file of faultline's freestanding C programs.
 * Linux enters _start with rsp pointing at argc, then argv[], NULL, envp[],
 * NULL, auxv (see src/loader/stack.ts). rsp is 16-byte aligned here, so the
 * call leaves main's frame aligned as the SysV ABI requires. main's return
 * value becomes the exit status (exit_group). */
	.file	"crt0.S"		/* not the temporary name gcc would give */
	.text
	.globl	_start
	.type	_start, @function
_start:
	xorl	%ebp, %ebp
	movq	(%rsp), %rdi		/* argc */
	leaq	8(%rsp), %rsi		/* argv */
	leaq	16(%rsp,%rdi,8), %rdx	/* envp: past argv's NULL */
	call	main
	movl	%eax, %edi
	movl	$231, %eax		/* exit_group */
	syscall
	hlt
	.size	_start, .-_start
	.section .note.GNU-stack,"",@progbits
