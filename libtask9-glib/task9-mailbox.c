/* task9-mailbox.c: every task's mailbox of named messages (kiwi's Message)
 *
 * Copyright 2026 The libtask9-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Any thread may send a task a message: a name and an optional GValue. Only the task
 * itself receives, selectively: task9_receive_message() takes the oldest message whose
 * name is among those it accepts and leaves the others queued in their order (Erlang's
 * selective receive, kiwi's WaitForMessages).
 *
 * The wait is a waiter on the mailbox's queue (the one mechanism of task9-waiter.c),
 * whose value points at the names it accepts. A sender appends its message and then
 * wakes the first queued waiter that accepts the name (dequeue, then task9_claim());
 * waiters that do not accept it are left alone. The woken receiver takes the message
 * itself, under the lock, after it runs again: nothing is handed over at the wake-up,
 * so a receive that is cancelled or times out, even in a race with a sender, has
 * taken nothing, and the mailbox is as the senders left it.
 *
 * Invariants:
 * - The message queue and the waiter queue are under the mailbox's spinlock; what runs
 *   under it never allocates, never copies a GValue (that is user code) and never
 *   wakes anything but through task9_waiter_fire().
 * - Messages are in sending order (for messages of one sender; senders on different
 *   threads are ordered by the lock). A receive takes exactly one message or none.
 * - The mailbox is made on first use (by a sender or by the task) and attached to the
 *   task record, which frees it, with any message left, when its last reference goes.
 * - Only the owning task waits on its mailbox. A task receives itself (the woken
 *   receiver takes the message); an external task's binding receives on its behalf
 *   with the async pair, whose waiter is granted the message by the sender, under the
 *   lock and only once the sender won its claim: a cancelled async receive, too, has
 *   taken nothing.
 * - A mailbox wait is not external: the deadlock detector reports a task waiting for a
 *   message that no task can send, like a task waiting on a channel.
 */

#include "task9-config.h"

#include <string.h>

#include "task9-async-private.h"
#include "task9-error.h"
#include "task9-external-task.h"
#include "task9-mailbox.h"
#include "task9-scheduler-private.h"

typedef struct
{
  GList   link;      /* in the mailbox's queue: linking one allocates nothing */
  char   *name;
  GValue  value;     /* unset for a message without a value */
} Message;

typedef struct
{
  gint              lock;
  GQueue            messages;   /* Message *, oldest first */
  Task9WaiterQueue  receivers;
} Mailbox;

static gsize mailbox_quark;   /* a GQuark, set once */

static void
message_free (Message *message)
{
  if (G_IS_VALUE (&message->value))
    g_value_unset (&message->value);
  g_free (message->name);
  g_free (message);
}

static void
mailbox_free (gpointer data)
{
  Mailbox *mailbox = data;

  GList *link;

  g_assert (mailbox->receivers.head == NULL);
  while ((link = g_queue_peek_head_link (&mailbox->messages)) != NULL)
    {
      g_queue_unlink (&mailbox->messages, link);
      message_free (link->data);
    }
  g_free (mailbox);
}

/* @task's mailbox, made if @create and it has none yet (two threads may race to make
 * it: the loser frees its own). */
static Mailbox *
mailbox_get (Task9Task *task,
             gboolean   create)
{
  Mailbox *mailbox;

  if (g_once_init_enter (&mailbox_quark))
    g_once_init_leave (&mailbox_quark, g_quark_from_static_string ("task9-mailbox"));

  mailbox = g_datalist_id_get_data (&task->data, mailbox_quark);
  if (mailbox != NULL || !create)
    return mailbox;

  mailbox = g_new0 (Mailbox, 1);
  g_queue_init (&mailbox->messages);
  task9_waiter_queue_init (&mailbox->receivers, &mailbox->lock);
  if (!g_datalist_id_replace_data (&task->data, mailbox_quark, NULL, mailbox, mailbox_free, NULL))
    {
      mailbox_free (mailbox);
      mailbox = g_datalist_id_get_data (&task->data, mailbox_quark);
    }
  return mailbox;
}

static gboolean
accepts (const char * const *names,
         const char         *name)
{
  if (names == NULL)
    return TRUE;
  for (; *names != NULL; names++)
    if (strcmp (*names, name) == 0)
      return TRUE;
  return FALSE;
}

/* Under the lock: the oldest message that @names accepts, or NULL. */
static GList *
find_message (Mailbox            *mailbox,
              const char * const *names)
{
  for (GList *link = mailbox->messages.head; link != NULL; link = link->next)
    if (accepts (names, ((Message *) link->data)->name))
      return link;
  return NULL;
}

/* Under the lock: wakes the first live waiter that accepts @name. An async receiver
 * is granted its message here (op->result_pointer); a task takes it once it runs. */
static void
wake_receiver (Mailbox    *mailbox,
               const char *name)
{
  Task9Waiter *waiter = mailbox->receivers.head;

  while (waiter != NULL)
    {
      Task9Waiter *next = waiter->next;

      if (accepts ((const char * const *) waiter->value, name))
        {
          /* Read before the dequeue: a stale waiter's owner may reuse it right after. */
          guint64 *claim = waiter->claim;
          guint64 token = waiter->token;

          task9_waiter_dequeue (waiter);
          if (task9_claim (claim, token))
            {
              Task9AsyncOp *op = waiter->set->async;

              if (op != NULL)
                {
                  GList *link = find_message (mailbox, (const char * const *) waiter->value);

                  g_queue_unlink (&mailbox->messages, link);
                  op->result_pointer = link->data;
                }
              task9_waiter_fire (waiter, FALSE);
              return;
            }
        }
      waiter = next;
    }
}

/**
 * task9_task_send_message:
 * @task: the task to send to
 * @name: the message's name
 * @value: (nullable): the message's value, copied; %NULL for a message without one
 * @error: return location for a #GError
 *
 * Queues a message in @task's mailbox, for [func@Task9.receive_message]: kiwi's
 * `Message`. Any thread may send, in a task or not; it never blocks, and the mailbox
 * has no bound. Messages are received in the order they were sent.
 *
 * Returns: %TRUE once queued; %FALSE with %TASK9_ERROR_CLOSED when @task has ended (a
 *   message sent while it ends may be queued and never read; it is freed with the
 *   task record)
 *
 * Since: 0.1
 */
gboolean
task9_task_send_message (Task9Task     *task,
                         const char    *name,
                         const GValue  *value,
                         GError       **error)
{
  Mailbox *mailbox;
  Message *message;

  g_return_val_if_fail (task != NULL, FALSE);
  g_return_val_if_fail (name != NULL, FALSE);
  g_return_val_if_fail (value == NULL || G_IS_VALUE (value), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (task9_task_is_finished (task))
    {
      g_autofree char *task_name = task9_task_dup_name (task);

      g_set_error (error, TASK9_ERROR, TASK9_ERROR_CLOSED,
                   "Task %s has ended: it receives no messages",
                   task_name != NULL ? task_name : "(unnamed)");
      return FALSE;
    }

  message = g_new0 (Message, 1);
  message->link.data = message;
  message->name = g_strdup (name);
  if (value != NULL)
    {
      g_value_init (&message->value, G_VALUE_TYPE (value));
      g_value_copy (value, &message->value);
    }

  mailbox = mailbox_get (task, TRUE);
  task9_spin_lock (&mailbox->lock);
  g_queue_push_tail_link (&mailbox->messages, &message->link);
  wake_receiver (mailbox, message->name);
  task9_spin_unlock (&mailbox->lock);
  return TRUE;
}

/**
 * task9_task_get_n_messages:
 * @task: a task
 *
 * Counts the messages queued in @task's mailbox. From another thread the answer may
 * be out of date at once.
 *
 * Returns: the number of messages not received yet
 *
 * Since: 0.1
 */
guint
task9_task_get_n_messages (Task9Task *task)
{
  Mailbox *mailbox;
  guint n;

  g_return_val_if_fail (task != NULL, 0);

  mailbox = mailbox_get (task, FALSE);
  if (mailbox == NULL)
    return 0;
  task9_spin_lock (&mailbox->lock);
  n = mailbox->messages.length;
  task9_spin_unlock (&mailbox->lock);
  return n;
}

/**
 * task9_receive_message: (skip)
 * @names: (array zero-terminated=1) (nullable): the names of the messages to accept,
 *   or %NULL for any
 * @timeout: the longest wait in microseconds, -1 for no limit, 0 not to wait
 * @cancellable: (nullable): a #GCancellable
 * @name_out: (out) (optional) (transfer full): where the message's name goes
 * @value_out: (out caller-allocates) (optional): where the message's value goes; it is
 *   unset first if initialized, and left unset for a message without a value
 * @error: return location for a #GError
 *
 * Receives a message from the calling task's mailbox (kiwi's `WaitForMessages`): the
 * oldest one whose name is among @names, waiting for one if there is none. Messages
 * with other names stay queued, in their order, for a later receive.
 *
 * A receive that times out or is cancelled takes nothing: the mailbox is left as it
 * was. The wait is like one on a channel: if every task is blocked and none could
 * send, [func@Task9.main] reports a deadlock.
 *
 * ```c
 * const char *names[] = { "print", "quit", NULL };
 * g_autofree char *name = NULL;
 * GValue value = G_VALUE_INIT;
 *
 * if (task9_receive_message (names, G_TIME_SPAN_SECOND, NULL, &name, &value, &error))
 *   ...
 * ```
 *
 * Returns: %TRUE with the message taken; %FALSE with %G_IO_ERROR_TIMED_OUT,
 *   %G_IO_ERROR_CANCELLED, or %TASK9_ERROR_NOT_IN_TASK outside a task
 *
 * Since: 0.1
 */
gboolean
task9_receive_message (const char * const  *names,
                       GTimeSpan            timeout,
                       GCancellable        *cancellable,
                       char               **name_out,
                       GValue              *value_out,
                       GError             **error)
{
  Task9Task *self = task9_scheduler_current_task ();
  Mailbox *mailbox;
  Message *message;
  gint64 deadline;

  g_return_val_if_fail (names == NULL || names[0] != NULL, FALSE);
  g_return_val_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (self == NULL)
    {
      g_set_error_literal (error, TASK9_ERROR, TASK9_ERROR_NOT_IN_TASK,
                           "task9_receive_message() can only be called from a task");
      return FALSE;
    }
  if (cancellable != NULL && g_cancellable_set_error_if_cancelled (cancellable, error))
    return FALSE;

  deadline = task9_deadline_from_timeout (timeout);
  mailbox = mailbox_get (self, TRUE);
  for (;;)
    {
      Task9WaitSet set;
      Task9Waiter waiter;
      Task9WakeReason why;
      GList *link;

      task9_spin_lock (&mailbox->lock);
      link = find_message (mailbox, names);
      if (link != NULL)
        {
          message = link->data;
          g_queue_unlink (&mailbox->messages, link);
          task9_spin_unlock (&mailbox->lock);
          break;
        }
      task9_wait_begin_one (self, &waiter, &set, (gpointer) names);
      task9_waiter_enqueue (&mailbox->receivers, &waiter);
      task9_spin_unlock (&mailbox->lock);

      /* A deadline already past (timeout 0) claims the wait at once, without a switch. */
      why = task9_wait_park (self, waiter.token, deadline, cancellable, "message");
      task9_waiter_withdraw (&waiter);
      if (!task9_wait_check_reason (why, error))
        return FALSE;
      /* Woken by a sender: look again (the message is still queued for us). */
    }

  if (name_out != NULL)
    *name_out = g_steal_pointer (&message->name);
  if (value_out != NULL)
    {
      if (G_IS_VALUE (value_out))
        g_value_unset (value_out);
      *value_out = message->value;   /* moved, or left unset */
      memset (&message->value, 0, sizeof message->value);
    }
  message_free (message);
  return TRUE;
}

/* ---- the async pair, for external tasks ----------------------------------------- */

#define RECEIVED_KEY "task9-received-message"

static void
settle_receive (Task9AsyncOp *op)
{
  Message *message;

  task9_async_op_withdraw (op);   /* takes the mailbox's lock */
  g_clear_pointer (&op->joined, task9_task_unref);   /* the mailbox is not needed now */
  message = g_steal_pointer (&op->result_pointer);
  if (message != NULL)   /* freed with the op unless the finish function takes it */
    g_object_set_data_full (G_OBJECT (op), RECEIVED_KEY, message, (GDestroyNotify) message_free);
  else
    task9_wait_check_reason (op->reason, &op->error);
}

/**
 * task9_task_receive_message_async:
 * @task: an external task (see [ctor@Task9.Task.new_external])
 * @names: (array zero-terminated=1) (nullable): the names of the messages to accept,
 *   or %NULL for any
 * @cancellable: (nullable): a #GCancellable; pass the task's own
 *   ([method@Task9.Task.get_cancellable]) so that cancelling the task ends the wait
 * @callback: (scope async): called on the caller's thread-default main context with
 *   the message (or the failure)
 * @user_data: (closure): data for @callback
 *
 * Receives a message from @task's mailbox on behalf of its coroutine: the async form
 * of [func@Task9.receive_message], for the language bindings, whose tasks have no
 * stack to block. The oldest message whose name is among @names is taken; the others
 * stay queued in their order. A receive that is cancelled has taken nothing. Finish
 * with [method@Task9.Task.receive_message_finish].
 *
 * Since: 0.1
 */
void
task9_task_receive_message_async (Task9Task           *task,
                                  const char * const  *names,
                                  GCancellable        *cancellable,
                                  GAsyncReadyCallback  callback,
                                  gpointer             user_data)
{
  Task9AsyncOp *op;
  Mailbox *mailbox;
  GList *link;

  g_return_if_fail (task != NULL);
  g_return_if_fail (task9_task_is_external (task));
  g_return_if_fail (names == NULL || names[0] != NULL);
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  op = task9_async_op_new (NULL, 1, cancellable, callback, user_data,
                           task9_task_receive_message_async, settle_receive);
  op->joined = task9_task_ref (task);   /* keeps the mailbox while the op waits */
  /* The names the waiter accepts, owned by the op. */
  op->waiters[0].value = g_strdupv ((char **) names);
  g_object_set_data_full (G_OBJECT (op), "task9-accepted-names", op->waiters[0].value,
                          (GDestroyNotify) g_strfreev);

  if (g_cancellable_is_cancelled (cancellable))
    {
      task9_async_op_complete_now (op, TASK9_WAKE_CANCELLED);
      return;
    }

  mailbox = mailbox_get (task, TRUE);
  task9_spin_lock (&mailbox->lock);
  link = find_message (mailbox, names);
  if (link != NULL)
    {
      g_queue_unlink (&mailbox->messages, link);
      op->result_pointer = link->data;
      task9_spin_unlock (&mailbox->lock);
      task9_async_op_complete_now (op, TASK9_WAKE_READY);
      return;
    }
  task9_waiter_enqueue (&mailbox->receivers, &op->waiters[0]);
  g_object_ref (op);   /* a sender may complete it as soon as we unlock */
  task9_spin_unlock (&mailbox->lock);
  task9_async_op_wait (op);
}

/**
 * task9_task_receive_message_finish:
 * @task: the task given to [method@Task9.Task.receive_message_async]
 * @result: the result given to the callback
 * @name_out: (out) (optional) (transfer full): where the message's name goes
 * @value_out: (out) (optional) (nullable) (transfer full): where a copy of the
 *   message's value goes (free it with g_boxed_free() of %G_TYPE_VALUE), or %NULL for
 *   a message without a value
 * @error: return location for a #GError
 *
 * Finishes [method@Task9.Task.receive_message_async]. (The value is a new #GValue,
 * unlike [func@Task9.receive_message]'s caller-allocated one, so that a message
 * without a value reads as %NULL, `None` or `null` in the bindings.)
 *
 * Returns: %TRUE with the message taken; %FALSE with %G_IO_ERROR_CANCELLED, and then
 *   nothing was taken
 *
 * Since: 0.1
 */
gboolean
task9_task_receive_message_finish (Task9Task     *task,
                                   GAsyncResult  *result,
                                   char         **name_out,
                                   GValue       **value_out,
                                   GError       **error)
{
  Task9AsyncOp *op;
  Message *message;

  g_return_val_if_fail (task != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  op = task9_async_op_check (result, NULL, task9_task_receive_message_async, error);
  if (op == NULL)
    return FALSE;
  message = g_object_steal_data (G_OBJECT (op), RECEIVED_KEY);
  g_return_val_if_fail (message != NULL, FALSE);   /* finished twice */

  if (name_out != NULL)
    *name_out = g_steal_pointer (&message->name);
  if (value_out != NULL)
    {
      *value_out = NULL;
      if (G_IS_VALUE (&message->value))
        {
          *value_out = g_new0 (GValue, 1);
          **value_out = message->value;   /* moved */
          memset (&message->value, 0, sizeof message->value);
        }
    }
  message_free (message);
  return TRUE;
}

/**
 * task9_discard_messages: (skip)
 * @names: (array zero-terminated=1) (nullable): the names of the messages to drop, or
 *   %NULL for all
 *
 * Drops the queued messages of the calling task's mailbox whose names are among
 * @names; the others stay queued in their order. Outside a task it does nothing.
 *
 * Returns: how many messages were dropped
 *
 * Since: 0.1
 */
guint
task9_discard_messages (const char * const *names)
{
  Task9Task *self = task9_scheduler_current_task ();
  GList *dropped = NULL;
  Mailbox *mailbox;
  GList *link;
  guint n = 0;

  g_return_val_if_fail (names == NULL || names[0] != NULL, 0);

  if (self == NULL || (mailbox = mailbox_get (self, FALSE)) == NULL)
    return 0;

  task9_spin_lock (&mailbox->lock);
  link = mailbox->messages.head;
  while (link != NULL)
    {
      GList *next = link->next;

      if (accepts (names, ((Message *) link->data)->name))
        {
          g_queue_unlink (&mailbox->messages, link);
          link->next = dropped;
          dropped = link;
        }
      link = next;
    }
  task9_spin_unlock (&mailbox->lock);

  /* Freed outside the lock: unsetting a value is user code. */
  while (dropped != NULL)
    {
      Message *message = dropped->data;

      dropped = dropped->next;
      message_free (message);
      n++;
    }
  return n;
}
