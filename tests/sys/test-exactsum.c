/* Exact sums are independent of the order of additions and of the number of ranks. */
#include <pnlmetest.h>

static PetscErrorCode Run(void)
{
  PetscMPIInt   rank, size;
  PnlmeExactSum s[2], serial;
  const int     N = 100000;
  PetscFunctionBegin;
  PetscCallMPI(MPI_Comm_rank(PETSC_COMM_WORLD, &rank));
  PetscCallMPI(MPI_Comm_size(PETSC_COMM_WORLD, &size));
  PnlmeExactSumReset(s, 2);
  PnlmeExactSumReset(&serial, 1);
  /* terms of wildly different magnitudes, cyclically distributed */
  for (int i = 0; i < N; i++) {
    double x = sin(1.0 + i) * pow(10.0, (i % 17) - 8) + ((i % 1000) == 0 ? 1e12 : 0.0) - ((i % 1000) == 1 ? 1e12 : 0.0);
    PnlmeExactSumAdd(&serial, x);
    if (i % size == rank) PnlmeExactSumAdd(&s[0], x);
    if ((N - 1 - i) % size == rank) PnlmeExactSumAdd(&s[1], x); /* another partition */
  }
  PetscCall(PnlmeExactSumAllreduce(PETSC_COMM_WORLD, 2, s));
  double a = PnlmeExactSumValue(&s[0]), b = PnlmeExactSumValue(&s[1]), c = PnlmeExactSumValue(&serial);
  PNLME_TEST_CHECK(a == b && a == c, "exact sums differ: %.17g %.17g %.17g", a, b, c);
  /* a sum whose naive evaluation loses everything: 1e100 + 1 - 1e100 */
  PnlmeExactSum t;
  PnlmeExactSumReset(&t, 1);
  PnlmeExactSumAdd(&t, 1e100);
  PnlmeExactSumAdd(&t, 1.0);
  PnlmeExactSumAdd(&t, -1e100);
  PNLME_TEST_CHECK(PnlmeExactSumValue(&t) == 1.0, "1e100 + 1 - 1e100 gave %g", PnlmeExactSumValue(&t));
  PnlmeExactSumReset(&t, 1);
  PnlmeExactSumAdd(&t, -3.25);
  PnlmeExactSumAdd(&t, 0.125);
  PNLME_TEST_CHECK(PnlmeExactSumValue(&t) == -3.125, "negative sum gave %g", PnlmeExactSumValue(&t));
  PnlmeExactSumAdd(&t, NAN);
  PNLME_TEST_CHECK(isnan(PnlmeExactSumValue(&t)), "NaN term must poison the sum");
  PetscCall(PetscPrintf(PETSC_COMM_WORLD, "exact sum %.17g identical for 2 partitions and serial\n", a));
  PetscFunctionReturn(0);
}

int main(int argc, char **argv) { return PnlmeAppMain(argc, argv, "exact sum test", Run); }
