/* switch-x86_64.S: the context switch for the x86-64 System V ABI
 *
 * Copyright 2026 The libtask9-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Invariants:
 * - A suspended context is only its stack pointer. At that address lie, from low to high:
 *   the SSE control word (MXCSR) and the x87 control word in one 8-byte slot, then r15, r14,
 *   r13, r12, rbx, rbp, then the return address. Nothing else is callee-saved in this ABI.
 * - Every switch leaves rsp 16-byte aligned at the slot save, so a fresh context built by
 *   task9_context_init() (task9-switch-private.h) looks exactly like a suspended one whose
 *   return address is task9_context_trampoline, with the entry function in r13 and its
 *   argument in r12.
 * - No system call: the signal mask is per thread, not per task.
 */

	.text

/* void task9_context_switch_raw (Task9Context *from, Task9Context *to) */
	.globl	task9_context_switch_raw
	.hidden	task9_context_switch_raw
	.type	task9_context_switch_raw, @function
	.p2align 4
task9_context_switch_raw:
	.cfi_startproc
	pushq	%rbp
	pushq	%rbx
	pushq	%r12
	pushq	%r13
	pushq	%r14
	pushq	%r15
	subq	$8, %rsp
	stmxcsr	(%rsp)
	fnstcw	4(%rsp)
	movq	%rsp, (%rdi)
	movq	(%rsi), %rsp
	ldmxcsr	(%rsp)
	fldcw	4(%rsp)
	addq	$8, %rsp
	popq	%r15
	popq	%r14
	popq	%r13
	popq	%r12
	popq	%rbx
	popq	%rbp
	ret
	.cfi_endproc
	.size	task9_context_switch_raw, .-task9_context_switch_raw

/* The first code a fresh context runs: entry (r13) of argument (r12). Entry never returns. */
	.globl	task9_context_trampoline
	.hidden	task9_context_trampoline
	.type	task9_context_trampoline, @function
	.p2align 4
task9_context_trampoline:
	.cfi_startproc
	.cfi_undefined rip
	movq	%r12, %rdi
	callq	*%r13
	ud2
	.cfi_endproc
	.size	task9_context_trampoline, .-task9_context_trampoline

	.section .note.GNU-stack,"",@progbits
