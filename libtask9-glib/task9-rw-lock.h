/* task9-rw-lock.h: Task9RWLock, a readers-writer lock with writer preference
 *
 * Copyright 2026 The libtask9-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#if !defined(TASK9_INSIDE) && !defined(TASK9_COMPILATION)
# error "Only <task9.h> can be included directly."
#endif

#include <gio/gio.h>

#include "task9-version-macros.h"

G_BEGIN_DECLS

#define TASK9_TYPE_RW_LOCK (task9_rw_lock_get_type ())

TASK9_AVAILABLE_IN_ALL
G_DECLARE_FINAL_TYPE (Task9RWLock, task9_rw_lock, TASK9, RW_LOCK, GObject)

TASK9_AVAILABLE_IN_ALL
Task9RWLock *task9_rw_lock_new                   (void);
TASK9_AVAILABLE_IN_ALL
gboolean     task9_rw_lock_reader_acquire        (Task9RWLock          *lock,
                                                  GTimeSpan             timeout,
                                                  GCancellable         *cancellable,
                                                  GError              **error);
TASK9_AVAILABLE_IN_ALL
gboolean     task9_rw_lock_reader_try_acquire    (Task9RWLock          *lock);
TASK9_AVAILABLE_IN_ALL
void         task9_rw_lock_reader_acquire_async  (Task9RWLock          *lock,
                                                  GCancellable         *cancellable,
                                                  GAsyncReadyCallback   callback,
                                                  gpointer              user_data);
TASK9_AVAILABLE_IN_ALL
gboolean     task9_rw_lock_reader_acquire_finish (Task9RWLock          *lock,
                                                  GAsyncResult         *result,
                                                  GError              **error);
TASK9_AVAILABLE_IN_ALL
gboolean     task9_rw_lock_reader_release        (Task9RWLock          *lock,
                                                  GError              **error);
TASK9_AVAILABLE_IN_ALL
gboolean     task9_rw_lock_writer_acquire        (Task9RWLock          *lock,
                                                  GTimeSpan             timeout,
                                                  GCancellable         *cancellable,
                                                  GError              **error);
TASK9_AVAILABLE_IN_ALL
gboolean     task9_rw_lock_writer_try_acquire    (Task9RWLock          *lock);
TASK9_AVAILABLE_IN_ALL
void         task9_rw_lock_writer_acquire_async  (Task9RWLock          *lock,
                                                  GCancellable         *cancellable,
                                                  GAsyncReadyCallback   callback,
                                                  gpointer              user_data);
TASK9_AVAILABLE_IN_ALL
gboolean     task9_rw_lock_writer_acquire_finish (Task9RWLock          *lock,
                                                  GAsyncResult         *result,
                                                  GError              **error);
TASK9_AVAILABLE_IN_ALL
gboolean     task9_rw_lock_writer_release        (Task9RWLock          *lock,
                                                  GError              **error);
TASK9_AVAILABLE_IN_ALL
guint        task9_rw_lock_get_n_readers         (Task9RWLock          *lock);
TASK9_AVAILABLE_IN_ALL
gboolean     task9_rw_lock_is_write_locked       (Task9RWLock          *lock);
TASK9_AVAILABLE_IN_ALL
gboolean     task9_rw_lock_has_waiters           (Task9RWLock          *lock);

TASK9_AVAILABLE_IN_ALL
void        task9_rw_lock_set_name (Task9RWLock *lock,
                               const char *name);
TASK9_AVAILABLE_IN_ALL
const char *task9_rw_lock_get_name (Task9RWLock *lock);

G_END_DECLS
