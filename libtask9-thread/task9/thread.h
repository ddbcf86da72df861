/* task9/thread.h: the Plan 9 face of libtask9-glib (libthread's names and semantics)
 *
 * Copyright 2026 The libtask9-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * A libthread program ports by replacing
 *
 *     #include <u.h>
 *     #include <libc.h>
 *     #include <thread.h>
 *
 * with `#include <task9/thread.h>` (plus the C library headers it needs) and building
 * with `cc prog.c $(pkg-config --cflags --libs task9-thread-1)`. The semantics are those
 * of thread(3) and ioproc(3) of the Plan 9 manual; doc/porting.md lists every call, its
 * libtask9-glib equivalent and the places where this library follows the manual rather
 * than plan9port's code.
 *
 * A thread is a #Task9Task, a proc is a #Task9Proc and a Channel is a #Task9Channel, so
 * the Plan 9 names and the task9_ API can be mixed freely in one program.
 */

#pragma once

#include <stdarg.h>
#include <task9.h>

#if defined(__unix__) || defined(__APPLE__)
/* Declared first, so that a later #include <sys/socket.h> does not meet the macros that
 * rename send and recv below. */
# include <sys/socket.h>
#endif

G_BEGIN_DECLS

/**
 * TASK9_THREAD_API:
 *
 * Marks the functions and variables of libtask9-thread that programs may use (default
 * visibility; the library is built with hidden visibility).
 */
#if defined(_WIN32) && !defined(__CYGWIN__)
# define TASK9_THREAD_API __declspec(dllexport) extern
#else
# define TASK9_THREAD_API __attribute__((visibility("default"))) extern
#endif

#ifndef nil
/**
 * nil:
 *
 * Plan 9's null pointer, defined unless something else defined it first.
 */
# define nil ((void *) 0)
#endif

/* ---- threads and procs ------------------------------------------------------------ */

/**
 * threadmain:
 * @argc: the argument count
 * @argv: the arguments
 *
 * The program's first thread: a program built against `task9-thread-1` defines
 * threadmain instead of main. The library's main() (linked from the static
 * `libtask9-thread-main-1.a` that pkg-config lists) runs it on the main proc, in a task
 * whose stack has [var@mainstacksize] bytes, through task9_main().
 *
 * Returning from threadmain is threadexits(nil). The process exits once every thread
 * of every proc has ended (or at threadexitsall()), with the status of the last thread
 * of threadmain's proc: 0 when that status was nil or empty, 1 otherwise.
 */
void threadmain (int argc, char *argv[]);

/**
 * mainstacksize:
 *
 * The stack size of threadmain's task in bytes. A program sets it by defining the
 * global, e.g. `int mainstacksize = 1024*1024;`; 0 (the default) means the core's
 * default, %TASK9_DEFAULT_STACK_SIZE. Sizes below that are raised to it, as for
 * threadcreate().
 */
TASK9_THREAD_API int mainstacksize;

/**
 * threadcreate:
 * @fn: the thread's function
 * @arg: its argument
 * @stacksize: the stack size in bytes; raised to %TASK9_DEFAULT_STACK_SIZE if smaller
 *
 * Creates a thread (a task) in the calling proc, running fn(arg). Like every spawn it
 * is queued at the tail of the proc's run queue and does not run before the caller
 * blocks or yields. Returning from @fn is threadexits(nil).
 *
 * Equivalent: task9_task_spawn_full() with the current proc.
 *
 * Returns: the new thread's id, unique for the life of the program; -1 if no stack
 *   could be had
 */
TASK9_THREAD_API int   threadcreate   (void (*fn) (void *), void *arg, unsigned int stacksize);

/**
 * proccreate:
 * @fn: the function of the proc's first thread
 * @arg: its argument
 * @stacksize: that thread's stack size, as for threadcreate()
 *
 * Creates a proc (a new OS thread with its own #GMainContext, see task9_proc_new())
 * and in it a thread running fn(arg). The proc ends when its last thread has ended.
 *
 * Returns: the id of the new thread, -1 if no thread or stack could be had
 */
TASK9_THREAD_API int   proccreate     (void (*fn) (void *), void *arg, unsigned int stacksize);

/**
 * threadexits:
 * @status: (nullable): the exit status; nil or "" means success
 *
 * Ends the calling thread at once; nothing on its stack is unwound. If it is the last
 * thread of its proc, the proc ends too. The status of the last thread of threadmain's
 * proc becomes the program's exit status (see threadmain()).
 *
 * Equivalent: task9_exit().
 */
TASK9_THREAD_API G_NORETURN void threadexits    (char *status);

/**
 * threadexitsall:
 * @status: (nullable): the exit status; nil or "" means success
 *
 * Ends the whole program at once, from any thread: exit(0) when @status is nil or
 * empty, exit(1) otherwise. Other threads and procs are not unwound.
 *
 * Equivalent: task9_exit_all().
 */
TASK9_THREAD_API G_NORETURN void threadexitsall (char *status);

/**
 * threadyield:
 *
 * Lets the other ready threads of the proc run, then continues (`yield` is a macro for
 * it). A thread that loops on yield still lets the proc's timers and I/O run.
 *
 * The manual declares yield as void; this one also says how many other threads ran
 * before the caller continued (plan9port's threadyield counts the caller's own
 * resumption as well, one more).
 *
 * Equivalent: task9_yield().
 *
 * Returns: how many times other threads ran meanwhile; 0 when none was ready
 */
TASK9_THREAD_API int   threadyield    (void);

/**
 * threadid:
 *
 * Returns the calling thread's id: the same number threadcreate() returned for it.
 *
 * Equivalent: task9_task_get_id() of task9_task_self().
 *
 * Returns: the id, or 0 outside a task
 */
TASK9_THREAD_API int   threadid       (void);

/**
 * threadgetname:
 *
 * Returns the calling thread's name, valid until the next threadsetname().
 *
 * Equivalent: task9_task_get_name().
 *
 * Returns: the name; "" for a thread that has none
 */
TASK9_THREAD_API char *threadgetname  (void);

/**
 * threadsetname:
 * @fmt: a printf() format (C's, not Plan 9 print's)
 * @...: its arguments
 *
 * Names the calling thread, for debugging; the name shows in the task table
 * (task9_format_task_table()) and in deadlock reports.
 *
 * Equivalent: task9_task_set_name().
 */
TASK9_THREAD_API void  threadsetname  (const char *fmt, ...) G_GNUC_PRINTF (1, 2);

/**
 * threaddata:
 *
 * Returns the calling thread's private pointer slot, initially nil, which the program
 * may use as it likes. Any task may call it, including ones made with task9_task_spawn().
 *
 * Returns: the address of the slot, or nil outside a task
 */
TASK9_THREAD_API void **threaddata    (void);

/**
 * procdata:
 *
 * Returns the calling proc's private pointer slot, initially nil, shared by the proc's
 * threads (a proc is an OS thread, so this is thread-local storage).
 *
 * Returns: the address of the slot
 */
TASK9_THREAD_API void **procdata      (void);

/* ---- channels --------------------------------------------------------------------- */

/**
 * Channel:
 *
 * A channel: the same object as a #Task9Channel, so a Channel made by chancreate() can
 * be passed to task9_channel_*() and task9_alt(), and vice versa (for channels of raw
 * elements; typed channels are for the task9_channel_*_value() calls only).
 */
typedef struct _Task9Channel Channel;

/**
 * ChanOp:
 * @CHANEND: ends an alt array; alt blocks until an entry can proceed
 * @CHANSND: send `*v` (or zeros when v is nil)
 * @CHANRCV: receive into `*v` (or discard when v is nil)
 * @CHANNOP: ignore this entry (so is an entry whose channel is nil)
 * @CHANNOBLK: ends an alt array; alt returns this entry's index instead of blocking
 *
 * The operation of an #Alt entry. The values are libthread's.
 */
typedef enum {
  CHANEND,
  CHANSND,
  CHANRCV,
  CHANNOP,
  CHANNOBLK,
} ChanOp;

/**
 * Alt:
 * @c: the channel
 * @v: the value to send, or where the received one goes; may be nil
 * @op: the operation
 * @err: set by alt() to an error string when this entry fired because its channel is
 *   closed (chanclose()), nil otherwise
 * @tag: unused, for source compatibility
 * @entryno: unused, for source compatibility
 *
 * One entry of an alt() array; positional initialisers `{c, &v, CHANRCV}` work as in
 * Plan 9. Only @c, @v and @op need be set.
 */
typedef struct Alt Alt;
struct Alt {
  Channel   *c;
  void      *v;
  ChanOp     op;
  char      *err;
  Channel  **tag;
  int        entryno;
};

/**
 * chancreate:
 * @elemsize: the size of an element in bytes (0 is allowed: a channel of events)
 * @bufsize: how many elements it buffers; 0 makes it a rendezvous
 *
 * Creates a channel. Elements are copied in and out.
 *
 * Equivalent: task9_channel_new().
 *
 * Returns: (transfer full): the channel; free it with chanfree()
 */
TASK9_THREAD_API Channel *chancreate  (int elemsize, int bufsize);

/**
 * chanfree:
 * @c: (nullable): a channel
 *
 * Frees a channel that is no longer used. As the manual says, the memory stays until
 * every thread blocked on the channel has unblocked, but chanfree returns at once.
 *
 * Equivalent: g_object_unref(); every blocked operation holds its own reference.
 */
TASK9_THREAD_API void     chanfree    (Channel *c);

/**
 * chansetname:
 * @c: a channel
 * @fmt: a printf() format
 * @...: its arguments
 *
 * Names a channel, for debugging and error messages.
 *
 * Equivalent: task9_channel_set_name().
 */
TASK9_THREAD_API void     chansetname (Channel *c, const char *fmt, ...) G_GNUC_PRINTF (2, 3);

/**
 * chanclose:
 * @c: a channel
 *
 * Closes a channel, as 9front's libthread does: later sends fail (return -1), receives
 * drain what is buffered and then fail, and every blocked thread is woken with that
 * answer.
 *
 * Equivalent: task9_channel_close().
 *
 * Returns: 1 if it was open, -1 if it was closed already (two racing closers may both
 *   see 1; the second close does nothing)
 */
TASK9_THREAD_API int      chanclose   (Channel *c);

/**
 * chanprint:
 * @c: a channel of pointers
 * @fmt: a printf() format
 * @...: its arguments
 *
 * Formats a string (allocated with malloc(); the receiver frees it) and sends a pointer
 * to it on @c. The string is freed again if the send fails.
 *
 * Returns: as chansend()
 */
TASK9_THREAD_API int      chanprint   (Channel *c, const char *fmt, ...) G_GNUC_PRINTF (2, 3);

/**
 * chanalt:
 * @alts: an array of entries ended by one whose op is %CHANEND or %CHANNOBLK
 *
 * Performs exactly one of the send and receive operations of @alts (`alt` is a macro for
 * it). When several can proceed, one is chosen uniformly at random; when none can, the
 * thread blocks until one can, and partners waiting on one channel are served first come
 * first served. An entry whose channel is closed can always proceed; it fires with its
 * `err` set.
 *
 * Equivalent: task9_alt().
 *
 * Returns: the index of the entry that proceeded; with no entry ready and a %CHANNOBLK
 *   terminator, the index of that terminator (the manual; plan9port returns -1); -1 when
 *   interrupted (the task was cancelled through task9_task_cancel())
 */
TASK9_THREAD_API int      chanalt       (Alt *alts);

/**
 * chansend:
 * @c: a channel
 * @v: (nullable): the element; nil sends zeros
 *
 * Sends an element (`send` is a macro for it), blocking the calling thread until a
 * receiver takes it or the buffer has room.
 *
 * Equivalent: task9_channel_send().
 *
 * Returns: 1 once sent; -1 if interrupted (cancelled) or the channel is closed
 */
TASK9_THREAD_API int      chansend      (Channel *c, void *v);

/**
 * chanrecv:
 * @c: a channel
 * @v: (nullable): where the element goes; nil discards it
 *
 * Receives an element (`recv` is a macro for it), blocking until there is one.
 *
 * Equivalent: task9_channel_recv().
 *
 * Returns: 1 once received; -1 if interrupted (cancelled) or the channel is closed and
 *   drained
 */
TASK9_THREAD_API int      chanrecv      (Channel *c, void *v);

/**
 * channbsend:
 * @c: a channel
 * @v: (nullable): the element; nil sends zeros
 *
 * Sends an element only if that can be done at once (`nbsend` is a macro for it). A
 * thread that was just created and has not run yet is not waiting to receive.
 *
 * Equivalent: task9_channel_try_send().
 *
 * Returns: 1 if sent; 0 if it would have blocked (the manual; plan9port returns -1);
 *   -1 if the channel is closed
 */
TASK9_THREAD_API int      channbsend    (Channel *c, void *v);

/**
 * channbrecv:
 * @c: a channel
 * @v: (nullable): where the element goes; nil discards it
 *
 * Receives an element only if one is there at once (`nbrecv` is a macro for it).
 *
 * Equivalent: task9_channel_try_recv().
 *
 * Returns: 1 if received; 0 if it would have blocked (the manual; plan9port returns
 *   -1); -1 if the channel is closed and drained
 */
TASK9_THREAD_API int      channbrecv    (Channel *c, void *v);

/**
 * chansendp:
 * @c: a channel whose elements are pointers
 * @v: the pointer
 *
 * Sends a pointer (`sendp` is a macro for it).
 *
 * Equivalent: task9_channel_send_pointer().
 *
 * Returns: as chansend()
 */
TASK9_THREAD_API int      chansendp     (Channel *c, void *v);

/**
 * chanrecvp:
 * @c: a channel whose elements are pointers
 *
 * Receives a pointer (`recvp` is a macro for it).
 *
 * Equivalent: task9_channel_recv_pointer().
 *
 * Returns: the pointer; nil when nil was sent or when interrupted (use chanrecv() to
 *   tell them apart)
 */
TASK9_THREAD_API void    *chanrecvp     (Channel *c);

/**
 * channbsendp:
 * @c: a channel whose elements are pointers
 * @v: the pointer
 *
 * Sends a pointer if that can be done at once (`nbsendp` is a macro for it).
 *
 * Returns: as channbsend(): 1, 0 when it would block, -1 when closed
 */
TASK9_THREAD_API int      channbsendp   (Channel *c, void *v);

/**
 * channbrecvp:
 * @c: a channel whose elements are pointers
 *
 * Receives a pointer if one is there at once (`nbrecvp` is a macro for it).
 *
 * Returns: the pointer; nil when nil was received, when it would have blocked or when
 *   the channel is closed
 */
TASK9_THREAD_API void    *channbrecvp   (Channel *c);

/**
 * chansendul:
 * @c: a channel whose elements are unsigned longs
 * @v: the value
 *
 * Sends an unsigned long (`sendul` is a macro for it).
 *
 * Equivalent: task9_channel_send_ulong().
 *
 * Returns: as chansend()
 */
TASK9_THREAD_API int      chansendul    (Channel *c, unsigned long v);

/**
 * chanrecvul:
 * @c: a channel whose elements are unsigned longs
 *
 * Receives an unsigned long (`recvul` is a macro for it).
 *
 * Equivalent: task9_channel_recv_ulong().
 *
 * Returns: the value; 0 when interrupted (the manual; plan9port returns ~0)
 */
TASK9_THREAD_API unsigned long chanrecvul   (Channel *c);

/**
 * channbsendul:
 * @c: a channel whose elements are unsigned longs
 * @v: the value
 *
 * Sends an unsigned long if that can be done at once (`nbsendul` is a macro for it).
 *
 * Returns: as channbsend(): 1, 0 when it would block, -1 when closed
 */
TASK9_THREAD_API int      channbsendul  (Channel *c, unsigned long v);

/**
 * channbrecvul:
 * @c: a channel whose elements are unsigned longs
 *
 * Receives an unsigned long if one is there at once (`nbrecvul` is a macro for it).
 *
 * Returns: the value; 0 when it would have blocked or the channel is closed (the
 *   manual; plan9port returns ~0)
 */
TASK9_THREAD_API unsigned long channbrecvul (Channel *c);

/* ---- locks and rendezvous (lock(2)) ------------------------------------------------ */

/**
 * QLock:
 * @_lock: private: the #Task9Lock behind it, created on first use
 *
 * A queueing lock: a thread that waits for it is suspended (its proc runs other
 * threads), and waiters get the lock in the order they asked for it, across procs.
 * It is a #Task9Lock: a zero-filled QLock (`static QLock l;`) is unlocked and needs no
 * initialisation; the first call that uses it creates the #Task9Lock (race-free: two
 * threads that race agree on one). There is no call to free it, as in Plan 9: a QLock
 * in memory that is freed leaks its #Task9Lock, so prefer static or long-lived ones (or
 * a #Task9Lock of your own, with its own lifetime).
 */
typedef struct QLock {
  Task9Lock   *_lock;
} QLock;

/**
 * RWLock:
 * @_lock: private: the #Task9RWLock behind it, created on first use
 *
 * A readers-writer queueing lock: any number of readers or one writer. Waiters are
 * served in order; a reader that asks while a writer waits queues behind the writer,
 * and a writer that releases the lock admits every reader queued before the next
 * writer. It is a #Task9RWLock, created on first use as a QLock's #Task9Lock: a
 * zero-filled RWLock is unlocked.
 */
typedef struct RWLock {
  Task9RWLock *_lock;
} RWLock;

/**
 * Rendez:
 * @l: the QLock that protects the condition; set it before the first rsleep()
 * @_cond: private: the #Task9Cond behind it, bound to `l`'s #Task9Lock on first use
 *
 * A rendezvous point: threads sleep on it with rsleep() while holding `l` and are woken,
 * first come first served, by rwakeup() and rwakeupall(). It is a #Task9Cond, created
 * on first use (`l` must not change afterwards); `_cond` is zero initially.
 */
typedef struct Rendez {
  QLock       *l;
  Task9Cond   *_cond;
} Rendez;

/**
 * qlock:
 * @l: a lock
 *
 * Takes @l, suspending the calling thread while another holds it. Not interruptible: a
 * task cancelled while it waits keeps waiting (see doc/porting.md). Code that is not a
 * thread (a plain OS thread, a callback) blocks its OS thread until it gets the lock.
 */
TASK9_THREAD_API void qlock      (QLock *l);

/**
 * qunlock:
 * @l: a lock that is held
 *
 * Releases @l, handing it to the longest waiting thread if there is one.
 */
TASK9_THREAD_API void qunlock    (QLock *l);

/**
 * canqlock:
 * @l: a lock
 *
 * Takes @l only if it is free.
 *
 * Returns: 1 if the lock was taken, 0 otherwise
 */
TASK9_THREAD_API int  canqlock   (QLock *l);

/**
 * rlock:
 * @l: a readers-writer lock
 *
 * Takes @l for reading, waiting while a writer holds it or waits for it.
 */
TASK9_THREAD_API void rlock      (RWLock *l);

/**
 * runlock:
 * @l: a readers-writer lock held for reading
 *
 * Releases a read hold; the last reader out hands the lock to a waiting writer.
 */
TASK9_THREAD_API void runlock    (RWLock *l);

/**
 * canrlock:
 * @l: a readers-writer lock
 *
 * Takes @l for reading only if that needs no wait.
 *
 * Returns: 1 if taken, 0 otherwise
 */
TASK9_THREAD_API int  canrlock   (RWLock *l);

/**
 * wlock:
 * @l: a readers-writer lock
 *
 * Takes @l for writing, waiting for the readers and writers ahead.
 */
TASK9_THREAD_API void wlock      (RWLock *l);

/**
 * wunlock:
 * @l: a readers-writer lock held for writing
 *
 * Releases the write hold, handing the lock to the next writer in line or to every
 * reader queued before it.
 */
TASK9_THREAD_API void wunlock    (RWLock *l);

/**
 * canwlock:
 * @l: a readers-writer lock
 *
 * Takes @l for writing only if it is free.
 *
 * Returns: 1 if taken, 0 otherwise
 */
TASK9_THREAD_API int  canwlock   (RWLock *l);

/**
 * rsleep:
 * @r: a rendezvous whose `l` the caller holds
 *
 * Atomically releases `r->l` and suspends the calling thread until rwakeup() or
 * rwakeupall() wakes it; `r->l` is held again on return. As with any condition
 * variable, re-check the condition in a loop. Not interruptible, like qlock(): a task
 * cancelled while asleep sleeps on until woken.
 */
TASK9_THREAD_API void rsleep     (Rendez *r);

/**
 * rwakeup:
 * @r: a rendezvous whose `l` the caller holds
 *
 * Wakes the thread that has slept longest on @r. It runs once it gets `r->l`, which it
 * queues for behind the threads already waiting.
 *
 * Returns: 1 if a thread was woken, 0 if none was asleep
 */
TASK9_THREAD_API int  rwakeup    (Rendez *r);

/**
 * rwakeupall:
 * @r: a rendezvous whose `l` the caller holds
 *
 * Wakes every thread asleep on @r, in the order they went to sleep.
 *
 * Returns: how many were woken
 */
TASK9_THREAD_API int  rwakeupall (Rendez *r);

/* ---- ioproc(3) -------------------------------------------------------------------- */

/**
 * Ioproc:
 *
 * A slave I/O proc: a #Task9IOProc, a thread of its own that runs blocking calls for
 * the threads that use it, one at a time, so their own proc keeps running its other
 * threads meanwhile. An idle Ioproc does not keep the program alive.
 */
typedef struct Ioproc Ioproc;

/**
 * ioproc:
 *
 * Starts an I/O proc.
 *
 * Returns: the Ioproc; aborts if no thread can be started (as the manual's sysfatal)
 */
TASK9_THREAD_API Ioproc *ioproc      (void);

/**
 * closeioproc:
 * @io: (nullable): an Ioproc
 *
 * Ends the I/O proc and frees @io. A call in progress is interrupted (as by
 * iointerrupt()) and waited for; calls still queued return -1 with errno EBADF.
 */
TASK9_THREAD_API void    closeioproc (Ioproc *io);

/**
 * iointerrupt:
 * @io: an Ioproc
 *
 * Interrupts the call in progress on @io, if any, with task9_ioproc_interrupt(): a
 * call blocked in a system call (read(2) on a quiet pipe, accept(2), an iosleep())
 * returns early with -1 and errno EINTR, as the Plan 9 manual says. The signal used
 * is task9_ioproc_get_interrupt_signal(). Functions that retry on EINTR (ioreadn())
 * are interrupted again until they return.
 */
TASK9_THREAD_API void    iointerrupt (Ioproc *io);

/**
 * iocall:
 * @io: an Ioproc
 * @op: the function to run on @io's proc
 * @...: its arguments, which @op reads with va_arg()
 *
 * Runs op(&args) on @io's proc and waits for it, suspending only the calling thread.
 * errno as @op left it is passed back. The arguments (and the buffers they point to)
 * stay the caller's: even a task cancelled meanwhile waits for @op to return.
 *
 * Returns: what @op returned
 */
TASK9_THREAD_API long    iocall      (Ioproc *io, long (*op) (va_list *args), ...);

/**
 * ioread:
 * @io: an Ioproc
 * @fd: a file descriptor
 * @a: the buffer
 * @n: its size
 *
 * read(2) on @io's proc.
 *
 * Returns: as read(2); errno is set on failure
 */
TASK9_THREAD_API long    ioread      (Ioproc *io, int fd, void *a, long n);

/**
 * ioreadn:
 * @io: an Ioproc
 * @fd: a file descriptor
 * @a: the buffer
 * @n: how many bytes to read
 *
 * Reads until @n bytes have come, end of file or an error, like Plan 9's readn.
 *
 * Returns: the number of bytes read; 0 or -1 if the first read returned that
 */
TASK9_THREAD_API long    ioreadn     (Ioproc *io, int fd, void *a, long n);

/**
 * iowrite:
 * @io: an Ioproc
 * @fd: a file descriptor
 * @a: the bytes
 * @n: how many
 *
 * write(2) on @io's proc.
 *
 * Returns: as write(2)
 */
TASK9_THREAD_API long    iowrite     (Ioproc *io, int fd, void *a, long n);

/**
 * ioopen:
 * @io: an Ioproc
 * @file: a path
 * @omode: open(2) flags (Plan 9's OREAD, OWRITE and ORDWR have the same values as
 *   O_RDONLY, O_WRONLY and O_RDWR)
 *
 * open(2) on @io's proc.
 *
 * Returns: the file descriptor, or -1 with errno set
 */
TASK9_THREAD_API int     ioopen      (Ioproc *io, char *file, int omode);

/**
 * ioclose:
 * @io: an Ioproc
 * @fd: a file descriptor
 *
 * close(2) on @io's proc.
 *
 * Returns: 0, or -1 with errno set
 */
TASK9_THREAD_API int     ioclose     (Ioproc *io, int fd);

/**
 * iosleep:
 * @io: an Ioproc
 * @n: milliseconds
 *
 * Sleeps on @io's proc (the caller's proc keeps running its other threads).
 *
 * Returns: 0, or -1 when interrupted by iointerrupt()
 */
TASK9_THREAD_API int     iosleep     (Ioproc *io, long n);

/**
 * iodial:
 * @io: an Ioproc
 * @addr: a Plan 9 dial string: `tcp!host!port`, `udp!host!port`, `net!host!port`
 *   (tcp), `host!port` (tcp) or `unix!/path`
 * @local: ignored (must be nil)
 * @dir: (nullable): a buffer of at least 40 bytes for the connection's "directory",
 *   `/dev/fd/N` as plan9port writes it
 * @cdfp: (nullable): set to -1: there is no control file
 *
 * Connects to @addr on @io's proc (name resolution included).
 *
 * Returns: the connected file descriptor, or -1 with errno set
 */
TASK9_THREAD_API int     iodial      (Ioproc *io, char *addr, char *local, char *dir, int *cdfp);

/**
 * iolisten:
 * @io: an Ioproc
 * @dir: the announced "directory" of a listening socket: `/dev/fd/N`, N its descriptor
 *   (plan9port's convention; make it with snprintf() from your listen(2) socket)
 * @newdir: a buffer of at least 40 bytes for the new call's directory
 *
 * Waits on @io's proc for a call to the listening socket, like plan9port's listen:
 * accept(2) on it.
 *
 * Returns: the accepted connection's descriptor (the call's "control" fd), or -1
 */
TASK9_THREAD_API int     iolisten    (Ioproc *io, char *dir, char *newdir);

/**
 * ioaccept:
 * @io: an Ioproc
 * @ctl: the descriptor iolisten() returned
 * @dir: the directory iolisten() wrote
 *
 * Accepts the call, like plan9port's accept: returns a new descriptor for the
 * connection (a dup(2) of it); the caller closes @ctl when done with it.
 *
 * Returns: the data descriptor, or -1 with errno set
 */
TASK9_THREAD_API int     ioaccept    (Ioproc *io, int ctl, char *dir);

/* ---- the program's entry point ------------------------------------------------------ */

/**
 * task9_thread_main:
 * @argc: the argument count
 * @argv: the arguments
 * @main_fn: the program's threadmain
 * @stacksize: its stack size (the program's mainstacksize)
 *
 * What the main() of `libtask9-thread-main-1.a` calls. A program that has a main() of its
 * own (a GTK application, say) and wants threadmain's life cycle can call it directly.
 *
 * Returns: the process's exit status (see threadmain()); 2 when task9_main() found a
 *   deadlock
 */
TASK9_THREAD_API int task9_thread_main (int argc, char **argv,
                                        void (*main_fn) (int, char **), int stacksize);

/**
 * TASK9_THREAD_NO_SHORT_NAMES:
 *
 * Define it before including <task9/thread.h> to do without the short names below
 * (send, recv, alt, yield, ...) and use the long ones (chansend, chanrecv, chanalt,
 * threadyield, ...), e.g. in a file that also calls the socket functions send() and
 * recv().
 */

/* libthread's short names. They are macros, as in plan9port, so that the library does
 * not define send() and recv(), which the C library's sockets own. */
#ifndef TASK9_THREAD_NO_SHORT_NAMES
/**
 * alt:
 *
 * libthread's name for chanalt().
 */
# define alt      chanalt
/**
 * send:
 *
 * libthread's name for chansend().
 */
# define send     chansend
/**
 * recv:
 *
 * libthread's name for chanrecv().
 */
# define recv     chanrecv
/**
 * nbsend:
 *
 * libthread's name for channbsend().
 */
# define nbsend   channbsend
/**
 * nbrecv:
 *
 * libthread's name for channbrecv().
 */
# define nbrecv   channbrecv
/**
 * sendp:
 *
 * libthread's name for chansendp().
 */
# define sendp    chansendp
/**
 * recvp:
 *
 * libthread's name for chanrecvp().
 */
# define recvp    chanrecvp
/**
 * nbsendp:
 *
 * libthread's name for channbsendp().
 */
# define nbsendp  channbsendp
/**
 * nbrecvp:
 *
 * libthread's name for channbrecvp().
 */
# define nbrecvp  channbrecvp
/**
 * sendul:
 *
 * libthread's name for chansendul().
 */
# define sendul   chansendul
/**
 * recvul:
 *
 * libthread's name for chanrecvul().
 */
# define recvul   chanrecvul
/**
 * nbsendul:
 *
 * libthread's name for channbsendul().
 */
# define nbsendul channbsendul
/**
 * nbrecvul:
 *
 * libthread's name for channbrecvul().
 */
# define nbrecvul channbrecvul
/**
 * yield:
 *
 * libthread's name for threadyield().
 */
# define yield    threadyield
#endif

G_END_DECLS
