/* switch-aarch64.S: the context switch for the AArch64 procedure call standard
 *
 * Copyright 2026 The libtask9-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Invariants:
 * - A suspended context is only its stack pointer. At that address lies a 176-byte frame:
 *   x19..x28, x29 (frame pointer), x30 (return address), d8..d15 (the low halves of v8..v15,
 *   the only callee-saved FP state) and FPCR. sp stays 16-byte aligned throughout.
 * - A fresh context built by task9_context_init() (task9-switch-private.h) is such a frame
 *   whose x30 is task9_context_trampoline, with the entry function in x20 and its argument
 *   in x19.
 * - No system call.
 */

	.text

/* void task9_context_switch_raw (Task9Context *from, Task9Context *to) */
	.globl	task9_context_switch_raw
	.hidden	task9_context_switch_raw
	.type	task9_context_switch_raw, %function
	.p2align 4
task9_context_switch_raw:
	.cfi_startproc
	sub	sp, sp, #176
	stp	x19, x20, [sp, #0]
	stp	x21, x22, [sp, #16]
	stp	x23, x24, [sp, #32]
	stp	x25, x26, [sp, #48]
	stp	x27, x28, [sp, #64]
	stp	x29, x30, [sp, #80]
	stp	d8, d9, [sp, #96]
	stp	d10, d11, [sp, #112]
	stp	d12, d13, [sp, #128]
	stp	d14, d15, [sp, #144]
	mrs	x9, fpcr
	str	x9, [sp, #160]
	mov	x9, sp
	str	x9, [x0]
	ldr	x9, [x1]
	mov	sp, x9
	ldp	x19, x20, [sp, #0]
	ldp	x21, x22, [sp, #16]
	ldp	x23, x24, [sp, #32]
	ldp	x25, x26, [sp, #48]
	ldp	x27, x28, [sp, #64]
	ldp	x29, x30, [sp, #80]
	ldp	d8, d9, [sp, #96]
	ldp	d10, d11, [sp, #112]
	ldp	d12, d13, [sp, #128]
	ldp	d14, d15, [sp, #144]
	ldr	x9, [sp, #160]
	msr	fpcr, x9
	add	sp, sp, #176
	ret
	.cfi_endproc
	.size	task9_context_switch_raw, .-task9_context_switch_raw

/* The first code a fresh context runs: entry (x20) of argument (x19). Entry never returns. */
	.globl	task9_context_trampoline
	.hidden	task9_context_trampoline
	.type	task9_context_trampoline, %function
	.p2align 4
task9_context_trampoline:
	.cfi_startproc
	.cfi_undefined x30
	mov	x29, #0
	mov	x0, x19
	blr	x20
	brk	#0
	.cfi_endproc
	.size	task9_context_trampoline, .-task9_context_trampoline

	.section .note.GNU-stack,"",%progbits
