/* Results of a covariate selection in -output_dir: the final model's own files (estimates.csv,
   likelihood.csv, results.h5, individuals.csv), covariates.csv, models.csv and the group /selection
   of results.h5 (docs/results-schema.md). */
#include "covsel/covselimpl.h"
#include "fit/io/h5io.h"

/* the final fit's estimate and SE of effect j (0 and NaN when it is not in the model) */
PetscErrorCode PnlmeCovSelectFinalEffect(PnlmeCovSelect cs, PetscInt j, PetscReal *beta, PetscReal *se)
{
  PnlmeFit fit = cs->final;
  PetscInt p = cs->p, c = p;
  PetscFunctionBegin;
  *beta = 0;
  *se   = NAN;
  for (PetscInt e = p; e < fit->q * p; e++) {
    if (!fit->pop.mask[e]) continue;
    if (e - p == j) {
      *beta = fit->hist[(fit->niter - 1) * fit->nhist + c];
      *se   = fit->se ? fit->se[c] : NAN;
      break;
    }
    c++;
  }
  PetscFunctionReturn(0);
}

static PetscErrorCode WriteCSV(PnlmeCovSelect cs)
{
  MPI_Comm comm = PetscObjectComm((PetscObject)cs);
  FILE    *fp;
  PetscFunctionBegin;
  PetscCall(PnlmeFitOpenResultFile(comm, cs->outdir, "covariates.csv", &fp));
  PetscCall(PnlmeFitResultPrintf(fp, "parameter,covariate,selected,beta,se\n"));
  for (PetscInt j = 0; j < cs->ncov * cs->p; j++) {
    const char *pn;
    PetscReal   b, se;
    if (!cs->cand[j] && !cs->forced[j]) continue;
    PetscCall(PnlmeModelGetParameterName(cs->model, j % cs->p, &pn));
    PetscCall(PnlmeCovSelectFinalEffect(cs, j, &b, &se));
    if (PetscIsNanReal(se)) PetscCall(PnlmeFitResultPrintf(fp, "%s,%s,%d,%.10g,\n", pn, cs->covnames[j / cs->p], (int)cs->selected[j], (double)b));
    else PetscCall(PnlmeFitResultPrintf(fp, "%s,%s,%d,%.10g,%.6g\n", pn, cs->covnames[j / cs->p], (int)cs->selected[j], (double)b, (double)se));
  }
  PetscCall(PnlmeFitCloseResultFile(comm, cs->outdir, "covariates.csv", fp));
  PetscCall(PnlmeFitOpenResultFile(comm, cs->outdir, "models.csv", &fp));
  PetscCall(PnlmeFitResultPrintf(fp, "label,effects,minus2ll,mc_se,bicc,minus2ll_lin,bicc_lin,seconds,reestimated,runner_up\n"));
  for (PetscInt i = 0; i < cs->nmodels; i++) {
    const PnlmeCovModel *m = &cs->models[i];
    PetscCall(PnlmeFitResultPrintf(fp, "%s,%" PetscInt_FMT ",%.6f,%.6f,%.6f,%.6f,%.6f,%.3f,%d,%d\n", m->label, m->neffects, (double)m->m2ll, (double)m->mcse, (double)m->bicc, (double)m->m2ll_lin, (double)m->bicc_lin, (double)m->seconds, (int)m->reestimated, (int)m->runnerup));
  }
  PetscCall(PnlmeFitCloseResultFile(comm, cs->outdir, "models.csv", fp));
  PetscFunctionReturn(0);
}

/* /selection: method, candidates and selection as [ncov x p] flags, the models' -2LL and BICc, and
   for bicc the beta matrix of every iteration with the MIQP record */
static PetscErrorCode WriteHDF5(PnlmeCovSelect cs)
{
  MPI_Comm   comm = PetscObjectComm((PetscObject)cs);
  PnlmeH5    h;
  hid_t      g;
  char       path[PETSC_MAX_PATH_LEN];
  PetscInt   p = cs->p, n = cs->ncov * p, nm = cs->nmodels;
  hsize_t    dims[2] = {(hsize_t)cs->ncov, (hsize_t)p}, mrow;
  int32_t   *flags;
  PetscReal *mv;
  char     **labels, *flat;
  const char *pnames[64];
  PetscFunctionBegin;
  PetscCall(PetscSNPrintf(path, sizeof(path), "%s/results.h5", cs->outdir));
  PetscCall(PnlmeH5OpenAppend(comm, path, "results file", &h));
  g = PnlmeH5CreateGroup(&h, h.file, "selection");
  PetscCall(PnlmeH5WriteAttrString(&h, g, "method", PnlmeCovSelectTypes[cs->type]));
  PetscCall(PnlmeH5WriteAttrInt(&h, g, "fits", cs->nfits));
  PetscCall(PnlmeH5WriteAttrReal(&h, g, "seconds", cs->seconds));
  for (PetscInt k = 0; k < p; k++) PetscCall(PnlmeModelGetParameterName(cs->model, k, &pnames[k]));
  PetscCall(PnlmeH5WriteStrings(&h, g, "parameter", p, pnames));
  PetscCall(PnlmeH5WriteStrings(&h, g, "covariate", cs->ncov, cs->covnames));
  PetscCall(PetscMalloc1(3 * n, &flags));
  for (PetscInt j = 0; j < n; j++) {
    flags[j]         = cs->cand[j];
    flags[n + j]     = cs->forced[j];
    flags[2 * n + j] = cs->selected[j];
  }
  PetscCall(PnlmeH5WriteRows(&h, g, "candidate", H5T_NATIVE_INT32, H5T_STD_I32LE, 1, dims + 1, dims[0], 0, h.rank ? 0 : dims[0], flags));
  PetscCall(PnlmeH5WriteRows(&h, g, "forced", H5T_NATIVE_INT32, H5T_STD_I32LE, 1, dims + 1, dims[0], 0, h.rank ? 0 : dims[0], flags + n));
  PetscCall(PnlmeH5WriteRows(&h, g, "selected", H5T_NATIVE_INT32, H5T_STD_I32LE, 1, dims + 1, dims[0], 0, h.rank ? 0 : dims[0], flags + 2 * n));
  PetscCall(PetscFree(flags));
  /* the fitted models */
  PetscCall(PetscMalloc3(nm, &labels, (size_t)nm * 48, &flat, 6 * (size_t)nm, &mv));
  for (PetscInt i = 0; i < nm; i++) {
    labels[i] = flat + 48 * i;
    PetscCall(PetscStrncpy(labels[i], cs->models[i].label, 48));
    mv[6 * i + 0] = (PetscReal)cs->models[i].neffects;
    mv[6 * i + 1] = cs->models[i].m2ll;
    mv[6 * i + 2] = cs->models[i].bicc;
    mv[6 * i + 3] = cs->models[i].m2ll_lin;
    mv[6 * i + 4] = cs->models[i].bicc_lin;
    mv[6 * i + 5] = cs->models[i].seconds;
  }
  mrow = 6;
  PetscCall(PnlmeH5WriteStrings(&h, g, "model", nm, (const char *const *)labels));
  PetscCall(PnlmeH5WriteRows(&h, g, "model_values", H5T_NATIVE_DOUBLE, H5T_IEEE_F64LE, 1, &mrow, (hsize_t)nm, 0, h.rank ? 0 : (hsize_t)nm, mv));
  PetscCall(PnlmeH5WriteAttrString(&h, g, "model_values_columns", "effects,minus2ll,bicc,minus2ll_lin,bicc_lin,seconds"));
  PetscCall(PetscFree3(labels, flat, mv));
  if (cs->type == PNLME_COVSELECT_BICC) {
    hsize_t nit = (hsize_t)cs->niter;
    PetscCall(PnlmeH5WriteRows(&h, g, "beta", H5T_NATIVE_DOUBLE, H5T_IEEE_F64LE, 2, dims, nit, 0, h.rank ? 0 : nit, cs->beta));
    PetscCall(PnlmeH5WriteRows(&h, g, "penalty_weight", H5T_NATIVE_DOUBLE, H5T_IEEE_F64LE, 0, NULL, nit, 0, h.rank ? 0 : nit, cs->weight));
    PetscCall(PnlmeH5WriteRows(&h, g, "miqp_seconds", H5T_NATIVE_DOUBLE, H5T_IEEE_F64LE, 0, NULL, nit, 0, h.rank ? 0 : nit, cs->miqptime));
    PetscCall(PnlmeH5WriteRows(&h, g, "miqp_nodes", sizeof(PetscInt) == 8 ? H5T_NATIVE_INT64 : H5T_NATIVE_INT32, H5T_STD_I64LE, 0, NULL, nit, 0, h.rank ? 0 : nit, cs->nodes));
    PetscCall(PnlmeH5WriteRows(&h, g, "n_selected", sizeof(PetscInt) == 8 ? H5T_NATIVE_INT64 : H5T_NATIVE_INT32, H5T_STD_I64LE, 0, NULL, nit, 0, h.rank ? 0 : nit, cs->nsel));
    PetscCall(PnlmeH5WriteAttrReal(&h, g, "alpha", cs->alpha));
    PetscCall(PnlmeH5WriteAttrReal(&h, g, "ebic_gamma", cs->gamma));
    PetscCall(PnlmeH5WriteAttrInt(&h, g, "starts", cs->starts));
    PetscCall(PnlmeH5WriteAttrInt(&h, g, "seed", cs->seed));
    PetscCall(PnlmeH5WriteAttrInt(&h, g, "polish_runs", cs->npolish));
    PetscCall(PnlmeH5WriteAttrReal(&h, g, "lambda", cs->lambda));
    PetscCall(PnlmeH5WriteAttrInt(&h, g, "exploration_iterations", cs->K1));
  }
  PnlmeH5CloseGroup(&h, g);
  PetscCall(PnlmeH5Close(&h, PETSC_FALSE));
  PetscFunctionReturn(0);
}

PetscErrorCode PnlmeCovSelectWriteResults(PnlmeCovSelect cs)
{
  PetscFunctionBegin;
  PetscCall(PetscLogStagePush(PNLME_StageOutput));
  PetscCall(PnlmeFitWriteResults(cs->final, cs->outdir)); /* creates the directory */
  PetscCall(PnlmeFitWriteResultsHDF5(cs->final, cs->outdir));
  PetscCall(WriteCSV(cs));
  PetscCall(WriteHDF5(cs));
  PetscCall(PetscLogStagePop());
  PetscFunctionReturn(0);
}
