/* hello: the smallest guest. write(1, msg, len) then exit_group(0). */
	.file	"hello.S"		/* not the temporary name gcc would give */
	.text
	.globl	_start
_start:
	movl	$1, %eax		/* write */
	movl	$1, %edi		/* stdout */
	leaq	msg(%rip), %rsi
	movl	$len, %edx
	syscall
	movl	$231, %eax		/* exit_group */
	xorl	%edi, %edi
	syscall
	hlt

	.section .rodata
msg:	.ascii	"Hello, world!\n"
	.set	len, . - msg
	.section .note.GNU-stack,"",@progbits
