/* task9-emission.c: one call's arguments, as a wait condition delivers them
 *
 * Copyright 2026 The libtask9-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * A GObject signal subscription (task9-object-signal.c) and a callback channel
 * (task9-callback.c) turn each call they see into one Task9Emission: copies of the
 * arguments as GValues, made on the calling thread while the arguments are still
 * valid, then offered to a typed channel of TASK9_TYPE_EMISSION.
 *
 * An emission is a GObject, not a boxed type: PyGObject 3.42 hands a boxed value it
 * gets from a GValue out argument (the channel's recv_value) to Python without a copy
 * and then unsets the GValue, which leaves Python a freed record; an object is
 * referenced instead.
 *
 * Invariants:
 * - An emission is immutable once made, so any number of threads may read it; only
 *   its reference count changes, atomically.
 * - It owns its values (g_value_copy(): a reference for an object or a boxed copy) and
 *   a strong reference on the instance, so everything it hands out stays valid as
 *   long as the emission does. G_TYPE_POINTER arguments are copied as bare pointers.
 */

#include "task9-config.h"

#include "task9-emission-private.h"

struct _Task9Emission
{
  GObject   parent_instance;

  GObject  *instance;      /* the emitter, or NULL for a callback */
  guint     signal_id;     /* 0 for a callback */
  GQuark    detail;
  guint     n_values;
  GValue   *values;
};

/**
 * Task9Emission:
 *
 * One emission of a GObject signal, or one call of a callback, as a channel delivers
 * it: the instance that emitted it and copies of its arguments, as #GValues. Channels
 * of emissions come from [func@Task9.object_connect_channel] and
 * [func@Task9.callback_channel_new]; bindings receive them with
 * [method@Task9.Channel.recv_value_async].
 *
 * An emission is immutable; it keeps its instance and the objects among its arguments
 * alive until it is finalized.
 *
 * Since: 0.1
 */
G_DEFINE_FINAL_TYPE (Task9Emission, task9_emission, G_TYPE_OBJECT)

static void
task9_emission_finalize (GObject *object)
{
  Task9Emission *self = TASK9_EMISSION (object);

  for (guint i = 0; i < self->n_values; i++)
    g_value_unset (&self->values[i]);
  g_free (self->values);
  g_clear_object (&self->instance);

  G_OBJECT_CLASS (task9_emission_parent_class)->finalize (object);
}

static void
task9_emission_class_init (Task9EmissionClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = task9_emission_finalize;
}

static void
task9_emission_init (Task9Emission *self)
{
}

/* Copies @values (n_values of them) and references @instance (may be NULL). */
Task9Emission *
task9_emission_new (GObject       *instance,
                    guint          signal_id,
                    GQuark         detail,
                    guint          n_values,
                    const GValue  *values)
{
  Task9Emission *self = g_object_new (TASK9_TYPE_EMISSION, NULL);

  self->values = g_new0 (GValue, n_values);
  self->instance = instance != NULL ? g_object_ref (instance) : NULL;
  self->signal_id = signal_id;
  self->detail = detail;
  self->n_values = n_values;
  for (guint i = 0; i < n_values; i++)
    {
      g_value_init (&self->values[i], G_VALUE_TYPE (&values[i]));
      g_value_copy (&values[i], &self->values[i]);
    }
  return self;
}

/* Offers @emission (consumed) to @channel, a typed channel of emissions: delivered if a
 * receiver waits or the buffer has room, otherwise counted as dropped (or, on a closed
 * channel, simply released). Never blocks; any thread. */
void
task9_emission_offer (Task9Channel  *channel,
                      Task9Emission *emission)
{
  GValue value = G_VALUE_INIT;

  g_value_init (&value, TASK9_TYPE_EMISSION);
  g_value_take_object (&value, emission);
  if (task9_channel_offer (channel, &value) != TASK9_CHANNEL_DONE)
    g_value_unset (&value);   /* otherwise the channel owns it now */
}

/**
 * task9_emission_get_n_values:
 * @self: an emission
 *
 * Returns how many arguments the emission carries: for a signal, its parameters, not
 * counting the instance (see [method@Task9.Emission.get_instance]); for a callback,
 * every argument it was called with.
 *
 * Returns: the number of values
 *
 * Since: 0.1
 */
guint
task9_emission_get_n_values (Task9Emission *self)
{
  g_return_val_if_fail (TASK9_IS_EMISSION (self), 0);

  return self->n_values;
}

/**
 * task9_emission_get_value:
 * @self: an emission
 * @index: which argument, counting from 0, less than
 *   [method@Task9.Emission.get_n_values]
 *
 * Returns a copy, made when the signal was emitted, of one argument.
 *
 * Returns: (transfer none): the value, valid as long as @self
 *
 * Since: 0.1
 */
const GValue *
task9_emission_get_value (Task9Emission *self,
                          guint          index)
{
  g_return_val_if_fail (TASK9_IS_EMISSION (self), NULL);
  g_return_val_if_fail (index < self->n_values, NULL);

  return &self->values[index];
}

/**
 * task9_emission_get_instance:
 * @self: an emission
 *
 * Returns the object that emitted the signal. The emission holds a reference on it.
 *
 * Returns: (transfer none) (nullable): the instance, or %NULL for a callback's call
 *
 * Since: 0.1
 */
GObject *
task9_emission_get_instance (Task9Emission *self)
{
  g_return_val_if_fail (TASK9_IS_EMISSION (self), NULL);

  return self->instance;
}

/**
 * task9_emission_get_signal_name:
 * @self: an emission
 *
 * Returns the name of the signal that was emitted, without its detail.
 *
 * Returns: (nullable): the name, or %NULL for a callback's call
 *
 * Since: 0.1
 */
const char *
task9_emission_get_signal_name (Task9Emission *self)
{
  g_return_val_if_fail (TASK9_IS_EMISSION (self), NULL);

  return self->signal_id != 0 ? g_signal_name (self->signal_id) : NULL;
}

/**
 * task9_emission_get_detail:
 * @self: an emission
 *
 * Returns the detail the signal was emitted with, such as the property name of a
 * #GObject::notify emission.
 *
 * Returns: (nullable): the detail, or %NULL if there was none
 *
 * Since: 0.1
 */
const char *
task9_emission_get_detail (Task9Emission *self)
{
  g_return_val_if_fail (TASK9_IS_EMISSION (self), NULL);

  return self->detail != 0 ? g_quark_to_string (self->detail) : NULL;
}
