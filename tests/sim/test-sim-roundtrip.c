/* The simulator writes what the reader reads: a PK cohort (repeated zero-order infusions dosed per kg,
   samples before the doses at dose times, two covariates, correlated etas) simulated without residual
   error is loaded with PnlmeDataLoad, and every observation is recomputed with PnlmeModelPredict at the
   individual parameters of the parameter file: the DV must come back.  Also: the summary agrees with
   the reader's counts, and the reader's covariate mean is the simulator's (the log(x/mean) convention). */
#include <pnlmetest.h>
#include <stdio.h>
#include <stdlib.h>

static PetscErrorCode Run(void)
{
  MPI_Comm        comm = PETSC_COMM_WORLD;
  PetscMPIInt     size;
  PnlmeModel      model;
  PnlmeSim        sim;
  PnlmeData       data;
  PnlmeSimSummary sum;
  char            csv[PETSC_MAX_PATH_LEN], par[PETSC_MAX_PATH_LEN], line[1024];
  const PetscInt  N = 300;
  PetscReal      *phi, pred[64], maxrel = 0, wtmean = 0, sdata;
  PetscInt        nlocal, nobs = 0;
  PetscInt64      nglobal, nobsglobal;
  FILE           *fp;
  PetscFunctionBegin;
  PetscCallMPI(MPI_Comm_size(comm, &size));
  PetscCall(PetscSNPrintf(csv, sizeof(csv), "sim-roundtrip-np%d.csv", (int)size));
  PetscCall(PetscSNPrintf(par, sizeof(par), "sim-roundtrip-np%d.par", (int)size));
  PetscCall(PnlmeModelCreate(comm, &model));
  PetscCall(PnlmeModelSetType(model, "pk1_iv_cl"));
  PetscCall(PnlmeModelSetUp(model));

  PetscCall(PnlmeSimCreate(comm, &sim));
  PetscCall(PnlmeSimSetModel(sim, model));
  PetscCall(PnlmeSimSetNumSubjects(sim, N));
  PetscCall(PnlmeSimSetSeed(sim, 11));
  PetscCall(PnlmeSimSetOutput(sim, csv));
  PetscCall(PnlmeSimSetParameterOutput(sim, par));
  PetscCall(PnlmeSimSetTheta(sim, "CL=2,V=20"));
  PetscCall(PnlmeSimSetOmega(sim, "CL=0.3,V=0.2"));
  PetscCall(PnlmeSimSetCorrelation(sim, "CL.V=0.4"));
  PetscCall(PnlmeSimSetCovariates(sim, "WT=truncnormal(70,15,40,120),SEX=bernoulli(0.5)"));
  PetscCall(PnlmeSimSetBeta(sim, "CL.WT=0.75,V.WT=1,CL.SEX=0.2"));
  PetscCall(PnlmeSimSetError(sim, PNLME_ERROR_CONSTANT, 0.0, 0.0));
  PetscCall(PnlmeSimSetTimes(sim, "0,u(0.5,1),2,+u(1,2),12,24,u(30,40),48", 5, 8, PETSC_DEFAULT));
  PetscCall(PnlmeSimSetDose(sim, 10.0, PETSC_DECIDE, "0,12,24,36"));
  /* options without a setter of their own */
  PetscCall(PetscOptionsSetValue(NULL, "-sim_dose_per", "WT"));
  PetscCall(PetscOptionsSetValue(NULL, "-sim_dose_duration", "1.5"));
  PetscCall(PetscOptionsSetValue(NULL, "-sim_digits", "15"));
  PetscCall(PetscOptionsSetValue(NULL, "-sim_summary", "0"));
  PetscCall(PnlmeSimSetFromOptions(sim));
  PetscCall(PnlmeSimRun(sim));
  PetscCall(PnlmeSimGetSummary(sim, &sum));
  PNLME_TEST_CHECK(sum.nsubjects == N && sum.nobsmin >= 5 && sum.nobsmax <= 8 && sum.ndoses == 4 * N && sum.nfailedsolves == 0, "summary: %lld subjects, obs %lld..%lld, %lld doses",
                   (long long)sum.nsubjects, (long long)sum.nobsmin, (long long)sum.nobsmax, (long long)sum.ndoses);

  /* individual parameters (ID,CL,V), the same on every rank */
  PetscCall(PetscMalloc1(2 * N, &phi));
  fp = fopen(par, "r");
  PNLME_TEST_CHECK(fp && fgets(line, sizeof(line), fp), "cannot read %s", par);
  for (PetscInt i = 0; i < N; i++) {
    long id;
    PNLME_TEST_CHECK(fgets(line, sizeof(line), fp) && sscanf(line, "%ld,%lf,%lf", &id, &phi[2 * i], &phi[2 * i + 1]) == 3 && id == i + 1, "%s: bad line %d", par, (int)i + 2);
  }
  fclose(fp);

  PetscCall(PnlmeDataCreate(comm, &data));
  PetscCall(PnlmeDataSetFile(data, csv));
  PetscCall(PnlmeDataSetModel(data, model));
  PetscCall(PnlmeDataAddCovariate(data, "WT", PNLME_COV_LOG, NULL));
  PetscCall(PnlmeDataLoad(data));
  PetscCall(PnlmeDataGetNumSubjects(data, &nlocal, &nglobal));
  PetscCall(PnlmeDataGetNumObservations(data, NULL, &nobsglobal));
  PNLME_TEST_CHECK(nglobal == N && nobsglobal == sum.nobs, "reader: %lld subjects, %lld observations; simulator: %d, %lld", (long long)nglobal, (long long)nobsglobal, (int)N, (long long)sum.nobs);
  for (PetscInt i = 0; i < nlocal; i++) {
    PnlmeSubject     s;
    PnlmeSolveStatus st;
    PetscCall(PnlmeDataGetSubject(data, i, &s));
    PNLME_TEST_CHECK(s.id >= 1 && s.id <= N && s.nobs <= 64, "subject id %lld", (long long)s.id);
    PetscCall(PnlmeModelPredict(model, &s, &phi[2 * (s.id - 1)], pred, NULL, &st));
    PNLME_TEST_CHECK(st == PNLME_SOLVE_OK, "subject %lld: prediction failed", (long long)s.id);
    for (PetscInt j = 0; j < s.nobs; j++) {
      PetscReal rel = PetscAbsReal(pred[j] - s.dv[j]) / PetscMax(PetscAbsReal(s.dv[j]), 1e-300);
      if (s.dv[j] == 0 && pred[j] == 0) rel = 0;
      PNLME_TEST_CHECK(rel < 1e-11, "subject %lld, t = %g: reader+model %.17g, simulated DV %.17g", (long long)s.id, (double)s.tobs[j], (double)pred[j], (double)s.dv[j]);
      maxrel = PetscMax(maxrel, rel);
      nobs++;
    }
  }
  PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, &maxrel, 1, MPIU_REAL, MPI_MAX, comm));
  /* the reader's mean of WT equals the mean of the written WT values (what the simulator used) */
  {
    PnlmeCovariateKind kind;
    PetscReal          mn, mx;
    PnlmeExactSum      es;
    PnlmeExactSumReset(&es, 1);
    fp = fopen(csv, "r");
    PNLME_TEST_CHECK(fp && fgets(line, sizeof(line), fp), "cannot read %s", csv);
    long last = -1, id;
    while (fgets(line, sizeof(line), fp)) {
      char *c = line;
      id      = strtol(line, NULL, 10);
      for (int k = 0; k < 8; k++) c = strchr(c, ',') + 1; /* ID,TIME,DV,AMT,EVID,MDV,CMT,RATE,WT */
      if (id != last) PnlmeExactSumAdd(&es, strtod(c, NULL));
      last = id;
    }
    fclose(fp);
    wtmean = PnlmeExactSumValue(&es) / N;
    PetscCall(PnlmeDataGetCovariateStats(data, "WT", &kind, &sdata, &mn, &mx));
    PNLME_TEST_CLOSE(sdata, wtmean, 1e-15, 0, "reader's mean WT against the mean of the written values");
  }
  PetscCall(PetscPrintf(comm, "%lld observations of %d subjects reproduced by reader + model (max relative difference %.2g); mean WT %.10g\n", (long long)nobsglobal, (int)N, (double)maxrel, (double)wtmean));
  PetscCall(PetscFree(phi));
  PetscCall(PnlmeDataDestroy(&data));
  PetscCall(PnlmeSimDestroy(&sim));
  PetscCall(PnlmeModelDestroy(&model));
  PetscFunctionReturn(0);
}

int main(int argc, char **argv) { return PnlmeAppMain(argc, argv, "simulator/reader round trip", Run); }
