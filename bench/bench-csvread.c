/* Reading rate of PnlmeDataLoad on a large synthetic NONMEM-style file.
     mpirun -n 2 build/bench/bench-csvread [-file /tmp/pnlme-bench-1m.csv] [-nsub 1000000] [-nobs 10] [-regenerate]
   The file (one dose row and nobs observation rows per subject, covariates WT and SEX) is written once by
   rank 0 if it does not exist.  Prints the load time, rows/s, subjects/s, MB/s and the peak resident
   memory of every rank (getrusage). */
#include <pnlme.h>
#include <sys/resource.h>
#include <sys/stat.h>

static PetscErrorCode Generate(const char path[], PetscInt nsub, PetscInt nobs)
{
  static const double tj[] = {0.25, 0.5, 1, 2, 3.5, 5, 7, 9, 12, 24, 36, 48, 72, 96, 120};
  FILE               *f;
  char               *buf;
  double              t0 = MPI_Wtime();

  PetscFunctionBegin;
  f = fopen(path, "w");
  PetscCheck(f, PETSC_COMM_SELF, PETSC_ERR_FILE_OPEN, "cannot write %s", path);
  PetscCall(PetscMalloc1(1 << 22, &buf));
  setvbuf(f, buf, _IOFBF, 1 << 22);
  fprintf(f, "ID,TIME,DV,AMT,EVID,MDV,CMT,WT,SEX\n");
  for (PetscInt i = 1; i <= nsub; i++) {
    double wt  = 50.0 + (double)((i * 7919) % 4000) / 100.0;
    int    sex = (int)((i * 31) % 2);
    fprintf(f, "%d,0,.,%.6g,1,1,1,%.4g,%d\n", (int)i, 4.0 * wt, wt, sex);
    for (PetscInt j = 0; j < nobs; j++) {
      double t  = j < 15 ? tj[j] : 120.0 + 24.0 * (double)(j - 14);
      double dv = 0.5 + (double)((i * 131 + j * 977) % 1000) / 100.0;
      fprintf(f, "%d,%g,%.4g,0,0,0,2,%.4g,%d\n", (int)i, t, dv, wt, sex);
    }
  }
  PetscCheck(!fclose(f), PETSC_COMM_SELF, PETSC_ERR_FILE_WRITE, "cannot write %s", path);
  PetscCall(PetscFree(buf));
  PetscCall(PetscPrintf(PETSC_COMM_SELF, "wrote %s (%d subjects, %d rows each) in %.1f s\n", path, (int)nsub, (int)(nobs + 1), MPI_Wtime() - t0));
  PetscFunctionReturn(0);
}

static long PeakKB(void)
{
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  return ru.ru_maxrss; /* kilobytes on Linux */
}

static PetscErrorCode Run(void)
{
  char        path[PETSC_MAX_PATH_LEN] = "/tmp/pnlme-bench-1m.csv";
  PetscInt    nsub = 1000000, nobs = 10;
  PetscBool   regen = PETSC_FALSE, exists;
  PetscMPIInt rank, size;
  PnlmeData   d;
  double      t0, t1;
  PetscInt64  N, nrowsobs;
  long        before, after, *allb, *alla;
  struct stat sb;

  PetscFunctionBegin;
  PetscCallMPI(MPI_Comm_rank(PETSC_COMM_WORLD, &rank));
  PetscCallMPI(MPI_Comm_size(PETSC_COMM_WORLD, &size));
  PetscCall(PetscOptionsGetString(NULL, NULL, "-file", path, sizeof(path), NULL));
  PetscCall(PetscOptionsGetInt(NULL, NULL, "-nsub", &nsub, NULL));
  PetscCall(PetscOptionsGetInt(NULL, NULL, "-nobs", &nobs, NULL));
  PetscCall(PetscOptionsGetBool(NULL, NULL, "-regenerate", &regen, NULL));
  PetscCall(PetscTestFile(path, 'r', &exists));
  if (!rank && (regen || !exists)) PetscCall(Generate(path, nsub, nobs));
  PetscCallMPI(MPI_Barrier(PETSC_COMM_WORLD));
  PetscCheck(!stat(path, &sb), PETSC_COMM_WORLD, PETSC_ERR_FILE_OPEN, "cannot stat %s", path);

  PetscCall(PnlmeDataCreate(PETSC_COMM_WORLD, &d));
  PetscCall(PnlmeDataSetFile(d, path));
  PetscCall(PnlmeDataAddCovariate(d, "WT", PNLME_COV_LOG, NULL));
  PetscCall(PnlmeDataAddCovariate(d, "SEX", PNLME_COV_CATEGORICAL, NULL));
  PetscCall(PnlmeDataSetFromOptions(d));
  before = PeakKB();
  PetscCallMPI(MPI_Barrier(PETSC_COMM_WORLD));
  t0 = MPI_Wtime();
  PetscCall(PnlmeDataLoad(d));
  PetscCallMPI(MPI_Barrier(PETSC_COMM_WORLD));
  t1    = MPI_Wtime();
  after = PeakKB();
  PetscCall(PnlmeDataGetNumSubjects(d, NULL, &N));
  PetscCall(PnlmeDataGetNumObservations(d, NULL, &nrowsobs));
  PetscCall(PnlmeDataView(d, PETSC_VIEWER_STDOUT_WORLD));
  {
    /* rows = observations + dose rows: count the dose rows from the view's numbers */
    PetscInt     n;
    PnlmeSubject s;
    PetscInt64   nd = 0, ndg;
    PetscCall(PnlmeDataGetNumSubjects(d, &n, NULL));
    for (PetscInt i = 0; i < n; i++) {
      PetscCall(PnlmeDataGetSubject(d, i, &s));
      for (PetscInt e = 0; e < s.nev; e++) nd += s.ev[e].type == PNLME_EV_BOLUS;
    }
    PetscCallMPI(MPI_Allreduce(&nd, &ndg, 1, MPIU_INT64, MPI_SUM, PETSC_COMM_WORLD));
    nrowsobs += ndg;
  }
  PetscCall(PetscMalloc2(size, &allb, size, &alla));
  PetscCallMPI(MPI_Gather(&before, 1, MPI_LONG, allb, 1, MPI_LONG, 0, PETSC_COMM_WORLD));
  PetscCallMPI(MPI_Gather(&after, 1, MPI_LONG, alla, 1, MPI_LONG, 0, PETSC_COMM_WORLD));
  PetscCall(PetscPrintf(PETSC_COMM_WORLD, "bench-csvread: %d rank(s), %s, %.1f MB, %" PetscInt64_FMT " subjects, %" PetscInt64_FMT " rows\n", (int)size, path, (double)sb.st_size / 1e6, N, nrowsobs));
  PetscCall(PetscPrintf(PETSC_COMM_WORLD, "  load time %.3f s: %.3g rows/s, %.3g subjects/s, %.1f MB/s\n", t1 - t0, (double)nrowsobs / (t1 - t0), (double)N / (t1 - t0), (double)sb.st_size / 1e6 / (t1 - t0)));
  for (PetscMPIInt q = 0; q < size && !rank; q++) PetscCall(PetscPrintf(PETSC_COMM_SELF, "  rank %d: peak resident memory %.1f MB (%.1f MB before the load)\n", (int)q, (double)alla[q] / 1024.0, (double)allb[q] / 1024.0));
  PetscCall(PetscFree2(allb, alla));
  PetscCall(PnlmeDataDestroy(&d));
  PetscFunctionReturn(0);
}

int main(int argc, char **argv)
{
  return PnlmeAppMain(argc, argv, "bench-csvread: PnlmeDataLoad reading rate", Run);
}
