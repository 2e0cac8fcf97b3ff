/* The communication of one SAEM iteration: PnlmeExactSumAllreduce of n statistics (one MPI_Allreduce
   of n x 41 int64), against a plain MPI_Allreduce of one double (latency).  Feeds the communication
   model of docs/scaling.md.
     mpirun -n P build/bench/bench-allreduce [-n 79] [-reps 2000] */
#include <pnlme.h>

static PetscErrorCode Run(void)
{
  PetscInt       n = 79, reps = 2000;
  PetscMPIInt    size;
  PnlmeExactSum *s;
  double         t0, tlat, tsum, x = 1, y;
  PetscFunctionBegin;
  PetscCall(PetscOptionsGetInt(NULL, NULL, "-n", &n, NULL));
  PetscCall(PetscOptionsGetInt(NULL, NULL, "-reps", &reps, NULL));
  PetscCheck(n >= 1 && reps >= 1, PETSC_COMM_WORLD, PETSC_ERR_ARG_OUTOFRANGE, "options -n and -reps must be >= 1");
  PetscCallMPI(MPI_Comm_size(PETSC_COMM_WORLD, &size));
  PetscCall(PetscMalloc1(n, &s));
  for (PetscInt r = 0; r < 10; r++) PetscCallMPI(MPI_Allreduce(&x, &y, 1, MPI_DOUBLE, MPI_SUM, PETSC_COMM_WORLD)); /* warm-up */
  PetscCallMPI(MPI_Barrier(PETSC_COMM_WORLD));
  t0 = MPI_Wtime();
  for (PetscInt r = 0; r < reps; r++) PetscCallMPI(MPI_Allreduce(&x, &y, 1, MPI_DOUBLE, MPI_SUM, PETSC_COMM_WORLD));
  tlat = (MPI_Wtime() - t0) / reps;
  PetscCallMPI(MPI_Barrier(PETSC_COMM_WORLD));
  t0 = MPI_Wtime();
  for (PetscInt r = 0; r < reps; r++) {
    PnlmeExactSumReset(s, n);
    for (PetscInt i = 0; i < n; i++) PnlmeExactSumAdd(&s[i], 1.0 / (double)(i + 1));
    PetscCall(PnlmeExactSumAllreduce(PETSC_COMM_WORLD, n, s));
  }
  tsum = (MPI_Wtime() - t0) / reps;
  PetscCall(PetscPrintf(PETSC_COMM_WORLD, "ranks %d: MPI_Allreduce of one double %.2f us; exact reduction of %d statistics (%d bytes) %.2f us\n", size, tlat * 1e6, (int)n, (int)(n * (PNLME_EXACTSUM_LIMBS + 1) * 8), tsum * 1e6));
  PetscCall(PetscFree(s));
  PetscFunctionReturn(0);
}

int main(int argc, char **argv)
{
  return PnlmeAppMain(argc, argv, "pnlme: cost of the exact reduction of one SAEM iteration\n", Run);
}
