/* Deferred collective errors: find problems locally, raise them together with the earliest message. */
#include <pnlmesys.h>
#include <stdarg.h>

void PnlmeDeferredErrorInit(PnlmeDeferredError *e)
{
  e->key    = PNLME_NO_ERROR_KEY;
  e->msg[0] = 0;
}

void PnlmeDeferredErrorSet(PnlmeDeferredError *e, PetscInt64 key, const char fmt[], ...)
{
  va_list ap;
  if (key >= e->key) return; /* keep the earliest problem */
  e->key = key;
  va_start(ap, fmt);
  vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
  va_end(ap);
}

PetscErrorCode PnlmeDeferredErrorRaise(MPI_Comm comm, PnlmeDeferredError *e)
{
  PetscMPIInt rank;

  PetscFunctionBegin;
  PetscCallMPI(MPI_Comm_rank(comm, &rank));
  /* MINLOC on (key, rank): deterministic winner */
  long long kv[2] = {(long long)e->key, rank}, kmin[2];
  PetscCallMPI(MPI_Allreduce(&kv[0], &kmin[0], 1, MPI_LONG_LONG, MPI_MIN, comm));
  if (kmin[0] == (long long)PNLME_NO_ERROR_KEY) PetscFunctionReturn(0);
  kv[1] = (e->key == kmin[0]) ? rank : PETSC_MPI_INT_MAX;
  PetscCallMPI(MPI_Allreduce(&kv[1], &kmin[1], 1, MPI_LONG_LONG, MPI_MIN, comm));
  PetscCallMPI(MPI_Bcast(e->msg, sizeof(e->msg), MPI_CHAR, (PetscMPIInt)kmin[1], comm));
  e->key = kmin[0];
  SETERRQ(comm, PETSC_ERR_USER, "%s", e->msg);
}
