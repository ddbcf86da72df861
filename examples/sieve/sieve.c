/* sieve.c: the concurrent prime sieve (Plan 9's and Go's classic)
 *
 *   sieve [N [PROCS]]       the first N primes (default 10), filters spread over PROCS
 *                           procs (default 1: all on this thread)
 *
 * A generator sends 2, 3, 4, ... down a channel. Each prime found gets a filter task
 * that passes on only the numbers it does not divide, so the chain of filters grows
 * by one task per prime.
 */

#include <stdlib.h>
#include <task9.h>

typedef struct
{
  Task9Channel *in;
  Task9Channel *out;
  gulong        prime;
} Filter;

static gpointer
generate (gpointer data, GError **error)
{
  for (gulong i = 2; task9_channel_send_ulong (data, i, error); i++)
    ;
  return NULL;   /* cancelled */
}

static gpointer
filter (gpointer data, GError **error)
{
  Filter *f = data;
  gulong i;

  while ((i = task9_channel_recv_ulong (f->in, error)) != 0)
    if (i % f->prime != 0 && !task9_channel_send_ulong (f->out, i, error))
      break;
  return NULL;   /* cancelled */
}

static int
main_task (int argc, char **argv)
{
  int n = argc > 1 ? atoi (argv[1]) : 10;
  int n_procs = argc > 2 ? atoi (argv[2]) : 1;
  g_autoptr(Task9Group) tasks = task9_group_new ();
  g_autoptr(GPtrArray) procs = g_ptr_array_new_with_free_func ((GDestroyNotify) task9_proc_unref);
  Task9Channel *ch = task9_channel_new (sizeof (gulong), 0);
  Filter *filters = g_new0 (Filter, n);

  for (int p = 1; p < n_procs; p++)
    g_ptr_array_add (procs, task9_proc_new ("sieve", NULL));
  task9_task_unref (task9_group_spawn (tasks, "generate", generate, ch, NULL, NULL));
  for (int i = 0; i < n; i++)
    {
      Filter *f = &filters[i];
      Task9Proc *proc = procs->len > 0 ? procs->pdata[i % procs->len] : NULL;

      f->prime = task9_channel_recv_ulong (ch, NULL);
      g_print ("%lu\n", f->prime);
      f->in = ch;
      f->out = ch = task9_channel_new (sizeof (gulong), 0);
      task9_task_unref (task9_group_spawn_full (tasks, proc, "filter", 0, filter, f, NULL, NULL));
    }

  task9_group_cancel (tasks);   /* the chain is endless: stop it */
  task9_group_wait (tasks, NULL);
  for (int i = 0; i < n; i++)
    g_object_unref (filters[i].in);
  g_object_unref (ch);
  g_free (filters);
  for (guint p = 0; p < procs->len; p++)
    {
      task9_proc_stop (procs->pdata[p]);
      task9_proc_join (procs->pdata[p], NULL);
    }
  return 0;
}

int
main (int argc, char **argv)
{
  return task9_main (argc, argv, main_task);
}
