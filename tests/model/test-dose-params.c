/* Lag times and bioavailabilities of the closed-form models (docs/models-pk.md):
   - values: a model with dose parameters on the data's timeline equals the same model without them on a
     timeline whose doses were moved and scaled by hand (boluses, ADDL repeats, infusions into the depot
     and the central compartment), for every built-in PK model;
   - sensitivities to every parameter against differences of predictions: central away from and near
     (1e-3) the moved doses and infusion ends, one-sided where a moved dose or end lands exactly on an
     observation time (the side the documented order gives);
   - semantics: nothing before a moved dose, a reset forgets a dose its lag moves past it, continuity
     in Tlag through an observation time, bioavailability 0 and above 1;
   - a closed-form plugin that knows nothing of dose parameters (differences in Tlag and F only) against
     the built-in model, and the options -model_lag / -model_bioavailability (names, transforms, errors);
   - the data layer's timeline (ADDL, infusions) through PnlmeDataLoad, and no allocation per prediction. */
#include "dosetest.h"
#include <malloc.h>
#include <stdio.h>
#include <unistd.h>

static PKTSubject S, R;

/* a model with a lag and a bioavailability on CMT 1 and, with two, on CMT 2 as well */
static PetscErrorCode DoseModel(const char type[], PetscInt ncmt, PnlmeModel *m)
{
  PetscFunctionBegin;
  PetscCall(PnlmeModelCreate(PETSC_COMM_SELF, m));
  PetscCall(PnlmeModelSetType(*m, type));
  PetscCall(PnlmeModelAddDoseLag(*m, 1, "Tlag"));
  PetscCall(PnlmeModelAddDoseBioavailability(*m, 1, "F"));
  if (ncmt > 1) {
    PetscCall(PnlmeModelAddDoseLag(*m, 2, "Tlag2"));
    PetscCall(PnlmeModelAddDoseBioavailability(*m, 2, "F2"));
  }
  PetscCall(PnlmeModelSetUp(*m));
  PetscFunctionReturn(0);
}

static const PetscReal Lag[3] = {0, 0.75, 0.4}, Fb[3] = {1, 0.8, 0.6};

/* the general regimen: boluses (an ADDL series), an infusion into CMT 1, a bolus and an infusion into
   CMT 2 (CMT 1 for the IV models); observations on a grid and 1e-3 before and after every moved dose
   and infusion end */
static PetscInt Regimen(PetscBool oral, DTDose d[], PetscReal tobs[])
{
  const PetscInt c2 = oral ? 2 : 1;
  PetscInt       nd = 0, no = 0;
  d[nd++] = (DTDose){0, 100, 0, 1};
  d[nd++] = (DTDose){12, 100, 0, 1}; /* ADDL 2, II 12 as the data layer expands it */
  d[nd++] = (DTDose){24, 100, 0, 1};
  d[nd++] = (DTDose){30, 60, 30, 1};
  d[nd++] = (DTDose){40, 20, 0, c2};
  d[nd++] = (DTDose){44, 50, 10, c2};
  for (PetscInt i = 0; i < 70; i++) tobs[no++] = 0.31 + 0.83 * i;
  for (PetscInt i = 0; i < nd; i++) {
    const PetscReal t0 = d[i].t + Lag[d[i].cmt];
    tobs[no++] = t0 - 1e-3;
    tobs[no++] = t0 + 1e-3;
    if (d[i].rate > 0) {
      const PetscReal te = t0 + Fb[d[i].cmt] * d[i].amt / d[i].rate;
      tobs[no++] = te - 1e-3;
      tobs[no++] = te + 1e-3;
    }
  }
  return nd | (no << 8);
}

static void TypicalWithDose(const char name[], PetscInt ncmt, PetscReal phi[], PetscInt *np)
{
  PetscInt n = strstr(name, "pk2") ? 4 : 2;
  if (strstr(name, "oral")) n++;
  PKTTypical(name, phi);
  phi[n++] = Lag[1];
  phi[n++] = Fb[1];
  if (ncmt > 1) {
    phi[n++] = Lag[2];
    phi[n++] = Fb[2];
  }
  *np = n;
}

static PetscErrorCode CheckModels(void)
{
  PetscReal worst = 0, werr = 0;
  PetscFunctionBegin;
  for (PetscInt im = 0; im < PKT_NMODELS; im++) {
    const char *name = PKTModels[im];
    PetscBool   oral = strstr(name, "oral") ? PETSC_TRUE : PETSC_FALSE;
    PetscInt    ncmt = oral ? 2 : 1, np, np0, nd, no, code;
    PnlmeModel  m, plain;
    DTDose      d[16];
    PetscReal   tobs[PKT_MAXOBS], phi[16], pred[PKT_MAXOBS], ref[PKT_MAXOBS], mx = 0;
    static PetscReal sens[PKT_MAXOBS * 16];

    PetscCall(DoseModel(name, ncmt, &m));
    PetscCall(PKTModel(name, &plain));
    TypicalWithDose(name, ncmt, phi, &np);
    PetscCall(PnlmeModelGetNumStructuralParameters(m, &np0));
    code = Regimen(oral, d, tobs);
    nd   = code & 255;
    no   = code >> 8;
    /* values against the hand-moved timeline */
    DTBuild(&S, d, nd, tobs, no, NULL, NULL);
    DTBuild(&R, d, nd, tobs, no, Lag, Fb);
    PetscCall(PKTPredict(m, &S.s, phi, pred, sens));
    PetscCall(PKTPredict(plain, &R.s, phi, ref, NULL));
    for (PetscInt i = 0; i < S.nobs; i++) mx = PetscMax(mx, fabs(ref[i]));
    for (PetscInt i = 0; i < S.nobs; i++) {
      werr = PetscMax(werr, fabs(pred[i] - ref[i]) / mx);
      PNLME_TEST_CLOSE(pred[i], ref[i], 1e-12, 1e-14 * mx, name);
    }
    {
      PetscReal p2[PKT_MAXOBS];
      PetscCall(PKTPredict(m, &S.s, phi, p2, NULL));
      for (PetscInt i = 0; i < S.nobs; i++) PNLME_TEST_CLOSE(p2[i], pred[i], 1e-14, 1e-300, "prediction with and without sensitivities");
    }
    /* sensitivities: central differences away from and near the moved doses */
    PetscCall(DTCheckSens(m, &S.s, phi, NULL, sens, 1e-6, 1e-6, 1e-8, name, &worst));
    PetscCall(PetscPrintf(PETSC_COMM_SELF, "  %-12s values vs moved doses %.1e, sensitivities vs central differences OK\n", name, (double)werr));
    PetscCall(PnlmeModelDestroy(&m));
    PetscCall(PnlmeModelDestroy(&plain));
  }
  PetscCall(PetscPrintf(PETSC_COMM_SELF, "every model: values to %.1e of max|pred|, worst sensitivity difference %.1e\n", (double)werr, (double)worst));
  PetscFunctionReturn(0);
}

/* A moved dose or infusion end exactly at an observation time.  The order (docs/models-pk.md): a moved
   bolus or infusion start lands before the observation (it sees the dose), so the prediction's
   derivative in Tlag is the one from below; an infusion end comes after the observation (it sees the
   infusion running), so the derivatives in Tlag and F are those from above. */
static PetscErrorCode CheckCoincidences(void)
{
  const char *models[] = {"pk1_oral_cl", "pk1_iv_cl", "pk2_oral_k", "pk2_iv_cl"};
  PetscReal   worst    = 0;
  PetscFunctionBegin;
  for (int im = 0; im < 4; im++) {
    PnlmeModel m;
    PetscInt   np, np0, side[16];
    PetscReal  phi[16], pred[PKT_MAXOBS];
    static PetscReal sens[PKT_MAXOBS * 16];
    PetscCall(DoseModel(models[im], 1, &m));
    PetscCall(PnlmeModelGetNumStructuralParameters(m, &np0));
    PKTTypical(models[im], phi);
    phi[np0]     = 0.5;  /* Tlag */
    phi[np0 + 1] = 0.75; /* F: the infusion of 2 h lasts 1.5 h */
    PetscCall(PnlmeModelGetNumParameters(m, &np));
    for (int c = 0; c < 4; c++) {
      DTDose    d[3];
      PetscReal tobs[4];
      PetscInt  nd = 0, no = 0;
      char      what[96];
      for (PetscInt j = 0; j < np; j++) side[j] = 0;
      switch (c) {
      case 0: /* bolus: moved to 0.5 */
        d[nd++] = (DTDose){0, 100, 0, 1};
        tobs[no++] = 0.5;
        tobs[no++] = 3;
        side[np0] = -1;
        break;
      case 1: /* ADDL: the second and third doses land on observations */
        d[nd++] = (DTDose){0, 100, 0, 1};
        d[nd++] = (DTDose){12, 100, 0, 1};
        d[nd++] = (DTDose){24, 100, 0, 1};
        tobs[no++] = 12.5;
        tobs[no++] = 24.5;
        tobs[no++] = 13;
        side[np0] = -1;
        break;
      case 2: /* infusion start at 0.5 */
        d[nd++] = (DTDose){0, 80, 40, 1};
        tobs[no++] = 0.5;
        tobs[no++] = 1;
        side[np0] = -1;
        break;
      case 3: /* infusion end at 0.5 + 0.75 x 2 = 2 */
        d[nd++] = (DTDose){0, 80, 40, 1};
        tobs[no++] = 2;
        tobs[no++] = 5;
        side[np0] = side[np0 + 1] = 1;
        break;
      }
      DTBuild(&S, d, nd, tobs, no, NULL, NULL);
      PetscCall(PKTPredict(m, &S.s, phi, pred, sens));
      PetscCall(PetscSNPrintf(what, sizeof(what), "%s, %s at an observation", models[im], c == 0 ? "bolus" : c == 1 ? "ADDL dose" : c == 2 ? "infusion start" : "infusion end"));
      PetscCall(DTCheckSens(m, &S.s, phi, side, sens, 1e-6, 1e-5, 1e-8, what, &worst));
    }
    PetscCall(PnlmeModelDestroy(&m));
  }
  PetscCall(PetscPrintf(PETSC_COMM_SELF, "doses and infusion ends at observation times: one-sided differences agree (worst %.1e)\n", (double)worst));
  PetscFunctionReturn(0);
}

/* nothing before a moved dose; a reset forgets a dose moved past it and stops an infusion; continuity
   in Tlag; F = 0 and F > 1 */
static PetscErrorCode CheckSemantics(void)
{
  PnlmeModel m, plain, iv, ivplain;
  PetscReal  phi[5] = {1.5, 0.134, 8.07, 0.9, 0.7}, pred[8], sens[40], ref[8];
  PetscFunctionBegin;
  PetscCall(DoseModel("pk1_oral_cl", 1, &m));
  PetscCall(PKTModel("pk1_oral_cl", &plain));
  /* before and at the moved dose: exactly nothing (a depot dose starts from 0) */
  PKTInit(&S);
  PKTBolus(&S, 0, 100, 1);
  PKTObs(&S, 0.2);
  PKTObs(&S, 0.9);
  PKTObs(&S, 2);
  PKTFinish(&S);
  PetscCall(PKTPredict(m, &S.s, phi, pred, sens));
  PNLME_TEST_CHECK(pred[0] == 0 && pred[1] == 0 && pred[2] > 0, "before the moved dose: %g %g %g", (double)pred[0], (double)pred[1], (double)pred[2]);
  for (int j = 0; j < 5; j++) PNLME_TEST_CHECK(sens[j] == 0, "sensitivity %d before the moved dose is %g", j, (double)sens[j]);
  PNLME_TEST_CHECK(sens[5 + 3] < 0 && sens[5 + 4] == 0, "at the moved dose: d/dTlag %g (the depot starts emptying into the centre), d/dF %g", (double)sens[8], (double)sens[9]);
  /* a reset at 1 forgets the dose of time 0 moved to 2.9 (Tlag 2.9), and a running infusion; the dose
     after the reset counts */
  phi[3] = 2.9;
  PKTInit(&S);
  PKTBolus(&S, 0, 100, 1);
  PKTObs(&S, 0.5);
  PKTReset(&S, 1);
  PKTBolus(&S, 1, 50, 1);
  PKTObs(&S, 1.5);
  PKTObs(&S, 5);
  PKTFinish(&S);
  PKTInit(&R);
  PKTObs(&R, 0.5);
  PKTReset(&R, 1);
  PKTBolus(&R, 3.9, 0.7 * 50, 1);
  PKTObs(&R, 1.5);
  PKTObs(&R, 5);
  PKTFinish(&R);
  PetscCall(PKTPredict(m, &S.s, phi, pred, NULL));
  PetscCall(PKTPredict(plain, &R.s, phi, ref, NULL));
  for (int i = 0; i < 3; i++) PNLME_TEST_CLOSE(pred[i], ref[i], 1e-14, 1e-300, "reset forgets a dose moved past it");
  PNLME_TEST_CHECK(pred[0] == 0 && pred[1] == 0 && pred[2] > 0, "reset: %g %g %g", (double)pred[0], (double)pred[1], (double)pred[2]);
  /* continuity in Tlag through an observation time: depot bolus and central infusion start */
  PetscCall(DoseModel("pk1_iv_cl", 1, &iv));
  PetscCall(PKTModel("pk1_iv_cl", &ivplain));
  {
    PetscReal phiv[4] = {2.5, 30, 0, 0.8}, a, b;
    PKTInit(&S);
    PKTBolus(&S, 0, 100, 1);
    PKTObs(&S, 1);
    PKTFinish(&S);
    phi[3] = 1 - 1e-9;
    PetscCall(PKTPredict(m, &S.s, phi, &a, NULL));
    phi[3] = 1 + 1e-9;
    PetscCall(PKTPredict(m, &S.s, phi, &b, NULL));
    PNLME_TEST_CHECK(a > 0 && a < 1e-7 && b == 0, "continuity of a depot dose in Tlag: %g, %g", (double)a, (double)b);
    PKTInit(&S);
    PKTInfusion(&S, 0, 50, 4, 1);
    PKTObs(&S, 1);
    PKTFinish(&S);
    phiv[2] = 1 - 1e-9;
    PetscCall(PKTPredict(iv, &S.s, phiv, &a, NULL));
    phiv[2] = 1 + 1e-9;
    PetscCall(PKTPredict(iv, &S.s, phiv, &b, NULL));
    PNLME_TEST_CHECK(a > 0 && a < 1e-8 && b == 0, "continuity of an infusion start in Tlag: %g, %g", (double)a, (double)b);
    /* F = 0: nothing; F = 1.5: a bolus brings 1.5 times, an infusion lasts 1.5 times as long */
    PKTInit(&S);
    PKTBolus(&S, 0, 100, 1);
    PKTInfusion(&S, 10, 50, 4, 1);
    PKTObs(&S, 5);
    PKTObs(&S, 20);
    PKTFinish(&S);
    phiv[2] = 0.3;
    phiv[3] = 0;
    PetscCall(PKTPredict(iv, &S.s, phiv, pred, NULL));
    PNLME_TEST_CHECK(pred[0] == 0 && pred[1] == 0, "F = 0: %g %g", (double)pred[0], (double)pred[1]);
    phiv[3] = 1.5;
    PetscCall(PKTPredict(iv, &S.s, phiv, pred, NULL));
    PKTInit(&R);
    PKTBolus(&R, 0.3, 150, 1);
    PKTInfusion(&R, 10.3, 50, 6, 1);
    PKTObs(&R, 5);
    PKTObs(&R, 20);
    PKTFinish(&R);
    PetscCall(PKTPredict(ivplain, &R.s, phiv, ref, NULL));
    for (int i = 0; i < 2; i++) PNLME_TEST_CLOSE(pred[i], ref[i], 1e-14, 1e-300, "F = 1.5");
  }
  /* a negative lag or bioavailability is a failed prediction, not an error */
  {
    PnlmeSolveStatus st;
    phi[3] = -0.1;
    PetscCall(PnlmeModelPredict(m, &S.s, phi, pred, NULL, &st));
    PNLME_TEST_CHECK(st == PNLME_SOLVE_FAILED, "a negative lag must fail the prediction");
    phi[3] = 0.1;
    phi[4] = -0.1;
    PetscCall(PnlmeModelPredict(m, &S.s, phi, pred, NULL, &st));
    PNLME_TEST_CHECK(st == PNLME_SOLVE_FAILED, "a negative bioavailability must fail the prediction");
  }
  PetscCall(PnlmeModelDestroy(&m));
  PetscCall(PnlmeModelDestroy(&plain));
  PetscCall(PnlmeModelDestroy(&iv));
  PetscCall(PnlmeModelDestroy(&ivplain));
  PetscCall(PetscPrintf(PETSC_COMM_SELF, "nothing before a moved dose, resets, continuity in Tlag, F = 0 and 1.5, invalid values fail: OK\n"));
  PetscFunctionReturn(0);
}

/* ---- a closed-form plugin without dose parameters of its own: one compartment (k, V), IV boluses and
   infusions, analytic sensitivities in k and V */
static int CFPredict(const PnlmeSubject *s, const PetscReal phi[], PetscReal pred[], PetscReal sens[], void *ctx)
{
  const PetscReal k = phi[0], V = phi[1];
  PetscInt        first = 0;
  (void)ctx;
  for (PetscInt i = 0; i < s->nev; i++) {
    const PnlmeEvent *o = &s->ev[i];
    PetscReal         y = 0, yk = 0;
    if (o->type == PNLME_EV_RESET) first = i + 1;
    if (o->type != PNLME_EV_OBS) continue;
    for (PetscInt j = first; j < i; j++) {
      const PnlmeEvent *e = &s->ev[j];
      const PetscReal   u = s->tobs[o->index] - e->time;
      if (u < 0) continue;
      if (e->type == PNLME_EV_BOLUS) {
        y += e->amount * exp(-k * u);
        yk += -u * e->amount * exp(-k * u);
      } else if (e->type == PNLME_EV_INFUSION_START) {
        const PetscReal u1 = PetscMin(u, e->duration), u2 = u - u1, g1 = -expm1(-k * u1) / k, E2 = exp(-k * u2);
        y += e->amount * g1 * E2;
        yk += e->amount * ((u1 * exp(-k * u1) / k - g1 / k) * E2 - u2 * g1 * E2);
      }
    }
    pred[o->index] = y / V;
    if (sens) {
      sens[2 * o->index]     = yk / V;
      sens[2 * o->index + 1] = -y / (V * V);
    }
  }
  return 0;
}

static PetscErrorCode CFCreate(PnlmeModel m)
{
  const char *const names[] = {"k", "V"};
  PnlmeModelOps     ops     = {0};
  PetscFunctionBegin;
  PetscCall(PnlmeModelSetParameters(m, 2, names, NULL));
  PetscCall(PnlmeModelSetNumStates(m, 1));
  PetscCall(PnlmeModelAddDoseCompartment(m, 1, 0));
  PetscCall(PnlmeModelAddOutput(m, "C", 1));
  ops.predict = CFPredict;
  PetscCall(PnlmeModelSetOps(m, PNLME_MODEL_CLOSED_FORM, &ops, NULL, NULL));
  PetscFunctionReturn(0);
}

static PetscErrorCode CheckPlugin(void)
{
  PnlmeModel cf, bi;
  DTDose     d[16];
  PetscReal  tobs[PKT_MAXOBS], phi[4] = {0.09, 30, 0.75, 0.8}, pred[PKT_MAXOBS], ref[PKT_MAXOBS], mx = 0, worst = 0;
  PetscInt   code, nd, no;
  static PetscReal sens[PKT_MAXOBS * 4], sref[PKT_MAXOBS * 4];
  PetscFunctionBegin;
  PetscCall(PnlmeModelRegister("test_cf_iv_k", CFCreate));
  PetscCall(DoseModel("test_cf_iv_k", 1, &cf));
  PetscCall(DoseModel("pk1_iv_k", 1, &bi));
  code = Regimen(PETSC_FALSE, d, tobs);
  nd   = code & 255;
  no   = code >> 8;
  DTBuild(&S, d, nd, tobs, no, NULL, NULL);
  PetscCall(PKTPredict(cf, &S.s, phi, pred, sens));
  PetscCall(PKTPredict(bi, &S.s, phi, ref, sref));
  for (PetscInt i = 0; i < S.nobs; i++) mx = PetscMax(mx, fabs(ref[i]));
  for (PetscInt i = 0; i < S.nobs; i++) {
    PNLME_TEST_CLOSE(pred[i], ref[i], 1e-12, 1e-14 * mx, "plugin against the built-in model");
    for (int j = 0; j < 4; j++) {
      /* k, V analytic in both; Tlag, F by differences in the plugin */
      const PetscReal tol = j < 2 ? 1e-10 : 1e-6, sc = phi[j];
      worst = j < 2 ? worst : PetscMax(worst, fabs(sens[4 * i + j] - sref[4 * i + j]) * sc / mx);
      PetscCheck(fabs(sens[4 * i + j] - sref[4 * i + j]) * sc <= tol * fabs(sref[4 * i + j]) * sc + 1e-8 * mx, PETSC_COMM_SELF, PETSC_ERR_PLIB, "plugin: d pred[%d] (t = %g) / d phi[%d]: %.12g, built-in %.12g", (int)i, (double)S.tobs[i], j, (double)sens[4 * i + j], (double)sref[4 * i + j]);
    }
  }
  /* lag 0: forward differences in Tlag */
  phi[2] = 0;
  PetscCall(PKTPredict(cf, &S.s, phi, pred, sens));
  PetscCall(PKTPredict(bi, &S.s, phi, ref, sref));
  for (PetscInt i = 0; i < S.nobs; i++)
    if (fabs(S.tobs[i] - floor(S.tobs[i] + 0.5)) > 1e-2) /* away from the unmoved doses */
      PetscCheck(fabs(sens[4 * i + 2] - sref[4 * i + 2]) <= 1e-4 * fabs(sref[4 * i + 2]) + 1e-7 * mx, PETSC_COMM_SELF, PETSC_ERR_PLIB, "plugin, Tlag = 0: d pred[%d] (t = %g) / d Tlag: %.12g, built-in %.12g", (int)i, (double)S.tobs[i], (double)sens[4 * i + 2], (double)sref[4 * i + 2]);
  PetscCall(PnlmeModelDestroy(&cf));
  PetscCall(PnlmeModelDestroy(&bi));
  PetscCall(PetscPrintf(PETSC_COMM_SELF, "closed-form plugin: values and k, V columns as the built-in model, Tlag and F by differences within %.1e of max|pred|: OK\n", (double)worst));
  PetscFunctionReturn(0);
}

/* ---- options and declarations */
static PetscErrorCode FromOptions(const char type[], const char lag[], const char bio[], PnlmeModel *m, PetscErrorCode *ierr)
{
  PetscFunctionBegin;
  PetscCall(PetscOptionsSetValue(NULL, "-model", type));
  if (lag) PetscCall(PetscOptionsSetValue(NULL, "-model_lag", lag));
  if (bio) PetscCall(PetscOptionsSetValue(NULL, "-model_bioavailability", bio));
  PetscCall(PnlmeModelCreate(PETSC_COMM_SELF, m));
  PetscCall(PetscPushErrorHandler(PetscReturnErrorHandler, NULL));
  *ierr = PnlmeModelSetFromOptions(*m);
  PetscCall(PetscPopErrorHandler());
  PetscCall(PetscOptionsClearValue(NULL, "-model"));
  PetscCall(PetscOptionsClearValue(NULL, "-model_lag"));
  PetscCall(PetscOptionsClearValue(NULL, "-model_bioavailability"));
  PetscFunctionReturn(0);
}

static PetscErrorCode CheckOptions(void)
{
  PnlmeModel     m;
  PetscErrorCode ierr;
  PetscInt       np, np0, il, ib;
  const char    *name;
  PnlmeTransform tr;
  PetscFunctionBegin;
  PetscCall(FromOptions("pk1_oral_cl", "1", "1", &m, &ierr));
  PNLME_TEST_CHECK(!ierr, "-model_lag 1 -model_bioavailability 1 failed");
  PetscCall(PnlmeModelGetNumParameters(m, &np));
  PetscCall(PnlmeModelGetNumStructuralParameters(m, &np0));
  PetscCall(PnlmeModelGetDoseParameters(m, 1, &il, &ib));
  PNLME_TEST_CHECK(np == 5 && np0 == 3 && il == 3 && ib == 4, "parameters %d/%d, lag %d, F %d", (int)np, (int)np0, (int)il, (int)ib);
  PetscCall(PnlmeModelGetParameterName(m, 3, &name));
  PNLME_TEST_CHECK(!strcmp(name, "Tlag"), "name %s", name);
  PetscCall(PnlmeModelGetParameterName(m, 4, &name));
  PNLME_TEST_CHECK(!strcmp(name, "F"), "name %s", name);
  PetscCall(PnlmeModelGetTransform(m, 3, &tr));
  PNLME_TEST_CHECK(tr == PNLME_TRANSFORM_LOG, "Tlag transform %s", PnlmeTransforms[tr]);
  PetscCall(PnlmeModelGetTransform(m, 4, &tr));
  PNLME_TEST_CHECK(tr == PNLME_TRANSFORM_LOGIT, "F transform %s", PnlmeTransforms[tr]);
  { /* the transforms (log and logit) of 70 rows at once: each row's bits are those it has alone, and
       within 4e-16 relative of libm's exp and of the inverse logit from it */
    PetscReal z[70 * 5], phi[70 * 5], one[5];
    for (PetscInt r = 0; r < 70; r++)
      for (PetscInt k = 0; k < 5; k++) z[r * 5 + k] = (r % 7 == 6) ? (k % 2 ? -745.5 : 40.0 * (r - 35)) : 0.37 * (r - 35) + 0.11 * k;
    PnlmeModelTransformToNaturalMany(m, 70, z, phi);
    for (PetscInt r = 0; r < 70; r++) {
      PnlmeModelTransformToNatural(m, z + r * 5, one, NULL);
      PNLME_TEST_CHECK(!memcmp(one, phi + r * 5, sizeof(one)), "row %d: the transforms of 70 rows at once are not those of the row alone", (int)r);
      for (PetscInt k = 0; k < 5; k++) {
        const PetscReal x = z[r * 5 + k], ref = k < 4 ? exp(x) : (x >= 0 ? 1.0 / (1.0 + exp(-x)) : exp(x) / (1.0 + exp(x)));
        PNLME_TEST_CHECK(phi[r * 5 + k] == ref || fabs(phi[r * 5 + k] - ref) <= 4e-16 * fabs(ref) || (ref < 1e-300 && phi[r * 5 + k] < 1e-300), "row %d, parameter %d: transform of %g is %.17g, libm %.17g", (int)r, (int)k, x, phi[r * 5 + k], ref);
      }
    }
  }
  PetscCall(PnlmeModelGetDoseParameters(m, 2, &il, &ib));
  PNLME_TEST_CHECK(il == -1 && ib == -1, "CMT 2 has no dose parameters");
  /* the same options again: nothing changes */
  PetscCall(PetscOptionsSetValue(NULL, "-model_lag", "1"));
  PetscCall(PetscOptionsSetValue(NULL, "-model_bioavailability", "1"));
  PetscCall(PnlmeModelSetFromOptions(m));
  PetscCall(PnlmeModelGetNumParameters(m, &np));
  PNLME_TEST_CHECK(np == 5, "a second SetFromOptions added parameters: %d", (int)np);
  /* other lists: the model is re-created */
  PetscCall(PetscOptionsSetValue(NULL, "-model_lag", "1,2"));
  PetscCall(PetscOptionsClearValue(NULL, "-model_bioavailability"));
  PetscCall(PnlmeModelSetFromOptions(m));
  PetscCall(PetscOptionsClearValue(NULL, "-model_lag"));
  PetscCall(PnlmeModelGetNumParameters(m, &np));
  PetscCall(PnlmeModelGetParameterName(m, 3, &name));
  PNLME_TEST_CHECK(np == 5 && !strcmp(name, "Tlag_1"), "-model_lag 1,2: %d parameters, %s", (int)np, name);
  PetscCall(PnlmeModelGetParameterName(m, 4, &name));
  PNLME_TEST_CHECK(!strcmp(name, "Tlag_2"), "-model_lag 1,2: %s", name);
  PetscCall(PnlmeModelSetUp(m));
  PetscCall(PnlmeModelView(m, PETSC_VIEWER_STDOUT_SELF));
  PetscCall(PnlmeModelDestroy(&m));
  /* errors: no such dosing compartment, a model without doses, a compartment twice, after set-up */
  PetscCall(FromOptions("pk1_oral_cl", "3", NULL, &m, &ierr));
  PNLME_TEST_CHECK(ierr, "-model_lag 3 on pk1_oral_cl must fail");
  PetscCall(PnlmeModelDestroy(&m));
  PetscCall(FromOptions("neonate", "1", NULL, &m, &ierr));
  PNLME_TEST_CHECK(ierr, "-model_lag 1 on neonate must fail");
  PetscCall(PnlmeModelDestroy(&m));
  PetscCall(FromOptions("pk1_oral_cl", NULL, "1,1", &m, &ierr));
  PNLME_TEST_CHECK(ierr, "-model_bioavailability 1,1 must fail");
  PetscCall(PnlmeModelDestroy(&m));
  PetscCall(PKTModel("pk1_oral_cl", &m));
  PetscCall(PetscPushErrorHandler(PetscReturnErrorHandler, NULL));
  ierr = PnlmeModelAddDoseLag(m, 1, "Tlag");
  PetscCall(PetscPopErrorHandler());
  PNLME_TEST_CHECK(ierr, "a lag declared after set-up must fail");
  PetscCall(PnlmeModelDestroy(&m));
  PetscCall(PnlmeModelCreate(PETSC_COMM_SELF, &m));
  PetscCall(PnlmeModelSetType(m, "pk1_oral_cl"));
  PetscCall(PnlmeModelAddDoseLag(m, 1, "Tlag"));
  PetscCall(PetscPushErrorHandler(PetscReturnErrorHandler, NULL));
  ierr = PnlmeModelAddDoseLag(m, 1, "Tlag_b");
  PetscCall(PetscPopErrorHandler());
  PNLME_TEST_CHECK(ierr, "a second lag of one compartment must fail");
  PetscCall(PetscPushErrorHandler(PetscReturnErrorHandler, NULL));
  ierr = PnlmeModelAddDoseBioavailability(m, 2, "ka");
  PetscCall(PetscPopErrorHandler());
  PNLME_TEST_CHECK(ierr, "a dose parameter named like a parameter must fail");
  PetscCall(PnlmeModelSetTransform(m, 3, PNLME_TRANSFORM_NORMAL));
  PetscCall(PnlmeModelGetTransform(m, 3, &tr));
  PNLME_TEST_CHECK(tr == PNLME_TRANSFORM_NORMAL, "PnlmeModelSetTransform");
  PetscCall(PnlmeModelDestroy(&m));
  PetscCall(PetscPrintf(PETSC_COMM_SELF, "options -model_lag, -model_bioavailability and declarations: OK\n"));
  PetscFunctionReturn(0);
}

/* ---- the data layer's timeline: ADDL, infusions, observations of another CMT left out */
static PetscErrorCode CheckData(void)
{
  char       path[PETSC_MAX_PATH_LEN];
  FILE      *f;
  PnlmeModel m, plain;
  PnlmeData  data;
  PnlmeSubject s;
  PetscReal  phi[7] = {1.5, 0.134, 8.07, 0.75, 0.8, 0.4, 0.6}, pred[64], ref[64], tobs[64];
  static PetscReal sens[64 * 7];
  DTDose     d[8];
  PetscInt   nd = 0, no = 0, nsub;
  PetscLogDouble before, after;
  size_t     hbefore, hafter;
  PetscFunctionBegin;
  PetscCall(PetscSNPrintf(path, sizeof(path), "dose-params-%d.csv", (int)getpid()));
  f = fopen(path, "w");
  PNLME_TEST_CHECK(f, "cannot write %s", path);
  fprintf(f, "ID,TIME,DV,AMT,EVID,MDV,CMT,RATE,II,ADDL\n");
  fprintf(f, "1,0,.,100,1,1,1,0,12,2\n");
  d[nd++] = (DTDose){0, 100, 0, 1};
  d[nd++] = (DTDose){12, 100, 0, 1};
  d[nd++] = (DTDose){24, 100, 0, 1};
  for (int i = 0; i < 30; i++) {
    PetscReal t = 0.25 + 0.5 * i;
    fprintf(f, "1,%.17g,1,0,0,0,2,0,0,0\n", (double)t);
    fprintf(f, "1,%.17g,50,0,0,0,3,0,0,0\n", (double)t); /* another output, left out */
    tobs[no++] = t;
  }
  fprintf(f, "1,15,.,60,1,1,1,30,0,0\n");
  d[nd++] = (DTDose){15, 60, 30, 1};
  fprintf(f, "1,15.75,2,0,0,0,2,0,0,0\n");
  tobs[no++] = 15.75;
  fprintf(f, "1,20,.,20,1,1,2,5,0,0\n");
  d[nd++] = (DTDose){20, 20, 5, 2};
  for (int i = 0; i < 20; i++) {
    fprintf(f, "1,%.17g,1,0,0,0,2,0,0,0\n", 20.1 + 1.3 * i);
    tobs[no++] = 20.1 + 1.3 * i;
  }
  fclose(f);
  PetscCall(DoseModel("pk1_oral_cl", 2, &m));
  PetscCall(PKTModel("pk1_oral_cl", &plain));
  PetscCall(PnlmeDataCreate(PETSC_COMM_SELF, &data));
  PetscCall(PnlmeDataSetFile(data, path));
  PetscCall(PnlmeDataSetModel(data, m));
  PetscCall(PetscOptionsSetValue(NULL, "-data_observed_cmt", "2"));
  PetscCall(PnlmeDataSetFromOptions(data));
  PetscCall(PetscOptionsClearValue(NULL, "-data_observed_cmt"));
  PetscCall(PnlmeDataLoad(data));
  remove(path);
  PetscCall(PnlmeDataGetNumSubjects(data, &nsub, NULL));
  PetscCall(PnlmeDataGetSubject(data, 0, &s));
  PNLME_TEST_CHECK(s.nobs == no, "observations: %d, expected %d (CMT 3 rows left out)", (int)s.nobs, (int)no);
  DTBuild(&R, d, nd, tobs, no, Lag, Fb);
  PetscCall(PKTPredict(m, &s, phi, pred, sens));
  PetscCall(PKTPredict(plain, &R.s, phi, ref, NULL));
  for (PetscInt i = 0; i < no; i++) PNLME_TEST_CLOSE(pred[i], ref[i], 1e-12, 1e-13, "data timeline against the moved doses");
  /* no allocation per prediction once the data announced its sizes */
  for (int ws = 0; ws < 2; ws++) {
    PetscCall(PetscMallocGetCurrentUsage(&before));
    hbefore = mallinfo2().uordblks;
    for (int i = 0; i < 1000; i++) {
      phi[3] = 0.75 * (1 + 0.1 * sin(i));
      PetscCall(PKTPredict(m, &s, phi, pred, ws ? sens : NULL));
    }
    PetscCall(PetscMallocGetCurrentUsage(&after));
    hafter = mallinfo2().uordblks;
    PNLME_TEST_CHECK(before == after && hbefore == hafter, "memory in use changed over 1000 predictions with dose parameters: %g, %ld bytes", (double)(after - before), (long)hafter - (long)hbefore);
  }
  PetscCall(PnlmeDataDestroy(&data));
  PetscCall(PnlmeModelDestroy(&m));
  PetscCall(PnlmeModelDestroy(&plain));
  PetscCall(PetscPrintf(PETSC_COMM_SELF, "data timeline (ADDL, infusions, -data_observed_cmt 2) and no allocation per prediction: OK\n"));
  PetscFunctionReturn(0);
}

/* cost of a prediction with and without dose parameters (printed, not checked): a warfarin-like subject,
   one oral dose and 10 observations */
static PetscErrorCode Timing(void)
{
  const PetscReal tobs[10] = {0.5, 1, 2, 3, 6, 9, 12, 24, 48, 72};
  DTDose          d[1]     = {{0, 100, 0, 1}};
  PetscReal       phi[5]   = {1.5, 0.134, 8.07, 0.887, 0.8}, pred[10], sens[50];
  PetscFunctionBegin;
  DTBuild(&S, d, 1, tobs, 10, NULL, NULL);
  for (int which = 0; which < 3; which++) {
    PnlmeModel m;
    PetscCall(PnlmeModelCreate(PETSC_COMM_SELF, &m));
    PetscCall(PnlmeModelSetType(m, "pk1_oral_cl"));
    if (which > 0) PetscCall(PnlmeModelAddDoseLag(m, 1, "Tlag"));
    if (which > 1) PetscCall(PnlmeModelAddDoseBioavailability(m, 1, "F"));
    PetscCall(PnlmeModelSetUp(m));
    PetscCall(PnlmeModelSetMaxSizes(m, S.nobs, S.nev));
    for (int ws = 0; ws < 2; ws++) {
      PetscLogDouble t0, t1;
      PetscInt       n = 0;
      PetscCall(PetscTime(&t0));
      do {
        for (int i = 0; i < 1000; i++) {
          phi[0] = 1.5 * (1 + 1e-3 * (i % 7));
          PetscCall(PKTPredict(m, &S.s, phi, pred, ws ? sens : NULL));
        }
        n += 1000;
        PetscCall(PetscTime(&t1));
      } while (t1 - t0 < 0.2);
      PetscCall(PetscPrintf(PETSC_COMM_SELF, "timing: pk1_oral_cl%-10s 1 dose, 10 obs%s: %.3f us\n", which == 0 ? "" : which == 1 ? " + Tlag" : " + Tlag, F", ws ? ", with sensitivities" : "", 1e6 * (t1 - t0) / n));
    }
    PetscCall(PnlmeModelDestroy(&m));
  }
  PetscFunctionReturn(0);
}

static PetscErrorCode Run(void)
{
  PetscFunctionBegin;
  PetscCall(CheckModels());
  PetscCall(CheckCoincidences());
  PetscCall(CheckSemantics());
  PetscCall(CheckPlugin());
  PetscCall(CheckOptions());
  PetscCall(CheckData());
  PetscCall(Timing());
  PetscCall(PetscPrintf(PETSC_COMM_SELF, "dose parameters of the closed forms: OK\n"));
  PetscFunctionReturn(0);
}

int main(int argc, char **argv) { return PnlmeAppMain(argc, argv, "lag times and bioavailabilities of closed-form models", Run); }
