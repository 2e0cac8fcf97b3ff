/* Covariate selection (PnlmeCovSelect) checked against what it must select:
     -test_selected ka.WT,V.WT   exactly these effects in the final model ("none": no effect)
     -test_true LIST -test_false_max F   every effect of LIST selected, at most F others
     -test_noise_prefix Z -test_noise_max M   at most M selected effects on a covariate whose
                                         column name starts with Z (the stress case's noise)
     -test_bicc_min / -test_bicc_max     BICc (IS) of the final model
     -test_bicc_best                     the final model has the lowest BICc (IS) of the models fitted
     -test_fits_min / -test_fits_max     number of fits
     -test_miqp_optimal                  every MIQP of the selection run proven optimal
     -test_out FILE                      the selection, the final estimates and -2LL, bit for bit
                                         (for the comparison across numbers of ranks) */
#include "covsel/covselimpl.h"
#include <string.h>

/* out[j]: the name of effect j is in the comma-separated list of option opt */
static PetscErrorCode ParseList(PnlmeCovSelect cs, const char opt[], PetscBool out[])
{
  char      buf[4096], name[160], *tok, *save = NULL;
  PetscBool flg, any;
  PetscFunctionBegin;
  PetscCall(PetscOptionsGetString(NULL, NULL, opt, buf, sizeof(buf), &flg));
  for (PetscInt j = 0; j < cs->ncov * cs->p; j++) {
    char list[4096];
    PetscCall(PnlmeCovSelectEffectName(cs, j, name, sizeof(name)));
    PetscCall(PetscStrncpy(list, buf, sizeof(list)));
    out[j] = PETSC_FALSE;
    for (tok = strtok_r(list, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) out[j] = (PetscBool)(out[j] || !strcmp(tok, name));
  }
  /* every name of the list must be an effect */
  for (tok = strtok_r(buf, ",", &save); tok && strcmp(tok, "none"); tok = strtok_r(NULL, ",", &save)) {
    any = PETSC_FALSE;
    for (PetscInt j = 0; j < cs->ncov * cs->p; j++) {
      PetscCall(PnlmeCovSelectEffectName(cs, j, name, sizeof(name)));
      any = (PetscBool)(any || !strcmp(tok, name));
    }
    PetscCheck(any, PETSC_COMM_WORLD, PETSC_ERR_USER, "option %s: no effect %s", opt, tok);
  }
  PetscFunctionReturn(0);
}

static PetscErrorCode Run(void)
{
  PnlmeCovSelect cs;
  PetscBool      flg, *want, best = PETSC_FALSE, optimal = PETSC_FALSE;
  PetscReal      lo = PETSC_NINFINITY, hi = PETSC_INFINITY;
  PetscInt       nfits, fmin = 0, fmax = PETSC_MAX_INT, falsemax = PETSC_MAX_INT, n;
  char           out[PETSC_MAX_PATH_LEN], name[160];
  PetscFunctionBegin;
  PetscCall(PnlmeCovSelectCreateFromOptions(PETSC_COMM_WORLD, &cs));
  PetscCall(PnlmeCovSelectSolve(cs));
  PetscCall(PnlmeCovSelectView(cs, NULL));
  n = cs->ncov * cs->p;
  PetscCall(PetscMalloc1(n, &want));
  PetscCall(PetscOptionsHasName(NULL, NULL, "-test_selected", &flg));
  if (flg) {
    PetscCall(ParseList(cs, "-test_selected", want));
    for (PetscInt j = 0; j < n; j++) {
      PetscCall(PnlmeCovSelectEffectName(cs, j, name, sizeof(name)));
      PetscCheck(want[j] == cs->selected[j], PETSC_COMM_WORLD, PETSC_ERR_PLIB, "effect %s: %s, expected %s", name, cs->selected[j] ? "selected" : "not selected", want[j] ? "selected" : "not selected");
    }
  }
  PetscCall(PetscOptionsGetInt(NULL, NULL, "-test_false_max", &falsemax, NULL));
  PetscCall(PetscOptionsHasName(NULL, NULL, "-test_true", &flg));
  if (flg) {
    PetscInt nfalse = 0;
    PetscCall(ParseList(cs, "-test_true", want));
    for (PetscInt j = 0; j < n; j++) {
      PetscCall(PnlmeCovSelectEffectName(cs, j, name, sizeof(name)));
      PetscCheck(!want[j] || cs->selected[j], PETSC_COMM_WORLD, PETSC_ERR_PLIB, "true effect %s was not selected", name);
      nfalse += cs->selected[j] && !want[j] && !cs->forced[j];
    }
    PetscCheck(nfalse <= falsemax, PETSC_COMM_WORLD, PETSC_ERR_PLIB, "%" PetscInt_FMT " false positives, at most %" PetscInt_FMT " allowed", nfalse, falsemax);
    PetscCall(PetscPrintf(PETSC_COMM_WORLD, "test: every true effect selected, %" PetscInt_FMT " false positives\n", nfalse));
  }
  PetscCall(PetscOptionsGetString(NULL, NULL, "-test_noise_prefix", out, sizeof(out), &flg));
  if (flg) {
    PetscInt nnoise = 0, noisemax = 0;
    PetscCall(PetscOptionsGetInt(NULL, NULL, "-test_noise_max", &noisemax, NULL));
    for (PetscInt j = 0; j < n; j++) {
      const char *dot;
      PetscCall(PnlmeCovSelectEffectName(cs, j, name, sizeof(name)));
      dot = strchr(name, '.');
      nnoise += cs->selected[j] && dot && !strncmp(dot + 1, out, strlen(out));
    }
    PetscCall(PetscPrintf(PETSC_COMM_WORLD, "test: %" PetscInt_FMT " effects of %s* columns selected\n", nnoise, out));
    PetscCheck(nnoise <= noisemax, PETSC_COMM_WORLD, PETSC_ERR_PLIB, "%" PetscInt_FMT " effects of %s* columns selected, at most %" PetscInt_FMT " allowed", nnoise, out, noisemax);
  }
  PetscCall(PetscOptionsGetReal(NULL, NULL, "-test_bicc_min", &lo, NULL));
  PetscCall(PetscOptionsGetReal(NULL, NULL, "-test_bicc_max", &hi, NULL));
  PetscCheck(cs->nmodels > 0, PETSC_COMM_WORLD, PETSC_ERR_PLIB, "no model was fitted");
  {
    const PnlmeCovModel *fin = &cs->models[cs->ifinal];
    PetscCheck(fin->bicc >= lo && fin->bicc <= hi, PETSC_COMM_WORLD, PETSC_ERR_PLIB, "BICc %g of the final model is outside [%g, %g]", (double)fin->bicc, (double)lo, (double)hi);
    PetscCall(PetscOptionsGetBool(NULL, NULL, "-test_bicc_best", &best, NULL));
    for (PetscInt i = 0; i < cs->nmodels && best; i++) PetscCheck(cs->models[i].bicc >= fin->bicc, PETSC_COMM_WORLD, PETSC_ERR_PLIB, "model %s has a lower BICc (%g) than the final one (%g)", cs->models[i].label, (double)cs->models[i].bicc, (double)fin->bicc);
  }
  PetscCall(PnlmeCovSelectGetCost(cs, &nfits, NULL));
  PetscCall(PetscOptionsGetInt(NULL, NULL, "-test_fits_min", &fmin, NULL));
  PetscCall(PetscOptionsGetInt(NULL, NULL, "-test_fits_max", &fmax, NULL));
  PetscCheck(nfits >= fmin && nfits <= fmax, PETSC_COMM_WORLD, PETSC_ERR_PLIB, "%" PetscInt_FMT " fits, expected [%" PetscInt_FMT ", %" PetscInt_FMT "]", nfits, fmin, fmax);
  PetscCall(PetscOptionsGetBool(NULL, NULL, "-test_miqp_optimal", &optimal, NULL));
  PetscCheck(!optimal || (cs->nsolves > 0 && cs->notopt == 0), PETSC_COMM_WORLD, PETSC_ERR_PLIB, "%" PetscInt64_FMT " of %" PetscInt64_FMT " MIQP solves not proven optimal", cs->notopt, cs->nsolves);
  PetscCall(PetscOptionsGetString(NULL, NULL, "-test_out", out, sizeof(out), &flg));
  if (flg) {
    FILE          *fp;
    PnlmeFit       fit = cs->final;
    PetscCall(PetscFOpen(PETSC_COMM_WORLD, out, "w", &fp));
    for (PetscInt j = 0; j < n; j++) PetscCall(PetscFPrintf(PETSC_COMM_WORLD, fp, "%d", (int)cs->selected[j]));
    PetscCall(PetscFPrintf(PETSC_COMM_WORLD, fp, "\n"));
    for (PetscInt t = 0; t < cs->niter; t++)
      for (PetscInt j = 0; j < n; j++)
        if (cs->beta[t * n + j] != 0) PetscCall(PetscFPrintf(PETSC_COMM_WORLD, fp, "%" PetscInt_FMT " %" PetscInt_FMT " %.17g\n", t, j, (double)cs->beta[t * n + j]));
    for (PetscInt c = 0; c < fit->nhist; c++) PetscCall(PetscFPrintf(PETSC_COMM_WORLD, fp, "%.17g\n", (double)fit->hist[(fit->niter - 1) * fit->nhist + c]));
    for (PetscInt i = 0; i < cs->nmodels; i++) PetscCall(PetscFPrintf(PETSC_COMM_WORLD, fp, "%s %.17g %.17g\n", cs->models[i].label, (double)cs->models[i].m2ll, (double)cs->models[i].m2ll_lin));
    PetscCall(PetscFClose(PETSC_COMM_WORLD, fp));
  }
  PetscCall(PetscFree(want));
  PetscCall(PnlmeCovSelectDestroy(&cs));
  PetscCall(PetscPrintf(PETSC_COMM_WORLD, "test: passed\n"));
  PetscFunctionReturn(0);
}

int main(int argc, char **argv)
{
  return PnlmeAppMain(argc, argv, "test-covselect: covariate selection against its expected answer\n", Run);
}
