/* A user model that fails: one compartment, first-order absorption (ka, ke, V, log-normal), in closed
   form, whose solve fails according to the option -faulty_mode:
     none      never
     some      for about 1 % of the parameter vectors (a hash of the parameters' bits: the same vector
               always fails, whatever the rank or the order of the calls)
     all       always (a failed solve)
     nan       always a NaN prediction
   With -faulty_dummy, a fourth parameter "dummy" that no prediction depends on (its typical value and
   variance have no information: their standard errors must be reported as not identifiable).
   Loaded with -model_plugin ... -model faulty (tests/fit/CMakeLists.txt). */
#include <pnlme.h>
#include <math.h>
#include <string.h>

static int      Mode = -1; /* 0 none, 1 some, 2 all, 3 nan */
static PetscInt NP   = 3;  /* parameters: 4 with the dummy */

static int FaultyPredict(const PnlmeSubject *s, const PetscReal p[], PetscReal pred[], PetscReal sens[], void *ctx)
{
  PetscReal ka = p[0], ke = p[1], V = p[2], dose = 0, tdose = 0;
  (void)ctx;
  if (Mode == 2) return 1;
  if (Mode == 1) {
    uint64_t h = 1469598103934665603ULL;
    for (int k = 0; k < 3; k++) {
      uint64_t b;
      memcpy(&b, &p[k], sizeof(b));
      h = (h ^ b) * 1099511628211ULL;
    }
    if ((h >> 32) % 100 == 0) return 1;
  }
  if (!(ka > 0 && ke > 0 && V > 0) || PetscAbsReal(ka - ke) < 1e-9 * ka) return 1;
  for (PetscInt e = 0; e < s->nev; e++) {
    const PnlmeEvent *ev = &s->ev[e];
    if (ev->type == PNLME_EV_BOLUS) dose = ev->amount, tdose = ev->time;
    else if (ev->type == PNLME_EV_OBS) {
      PetscInt  j = ev->index;
      PetscReal t = ev->time - tdose, a = PetscExpReal(-ka * t), b = PetscExpReal(-ke * t), c = dose / (V * (ka - ke));
      pred[j] = Mode == 3 ? (PetscReal)NAN : c * ka * (b - a);
      if (sens) { /* d pred / d (ka, ke, V[, dummy]) */
        sens[NP * j + 0] = c * (b - a) - c * ka * (b - a) / (ka - ke) + c * ka * t * a;
        sens[NP * j + 1] = c * ka * (b - a) / (ka - ke) - c * ka * t * b;
        sens[NP * j + 2] = -pred[j] / V;
        if (NP == 4) sens[NP * j + 3] = 0;
      }
    }
  }
  return 0;
}

static PetscErrorCode FaultyCreate(PnlmeModel m)
{
  const char *const    names[] = {"ka", "ke", "V", "dummy"};
  const PnlmeTransform tr[]    = {PNLME_TRANSFORM_LOG, PNLME_TRANSFORM_LOG, PNLME_TRANSFORM_LOG, PNLME_TRANSFORM_LOG};
  PetscBool            dummy   = PETSC_FALSE;
  const char *const    modes[] = {"none", "some", "all", "nan"};
  char                 buf[16] = "none";
  PnlmeModelOps        ops     = {0};
  PetscFunctionBegin;
  PetscCall(PetscOptionsGetString(NULL, NULL, "-faulty_mode", buf, sizeof(buf), NULL));
  for (int k = 0; k < 4; k++)
    if (!strcmp(buf, modes[k])) Mode = k;
  PetscCheck(Mode >= 0, PETSC_COMM_SELF, PETSC_ERR_USER, "-faulty_mode %s: none, some, all or nan", buf);
  PetscCall(PetscOptionsGetBool(NULL, NULL, "-faulty_dummy", &dummy, NULL));
  NP = dummy ? 4 : 3;
  PetscCall(PnlmeModelSetDescription(m, "one-compartment oral PK whose solves fail on demand (test plugin)"));
  PetscCall(PnlmeModelSetParameters(m, NP, names, tr));
  PetscCall(PnlmeModelAddDoseCompartment(m, 1, 0));
  PetscCall(PnlmeModelAddOutput(m, "C", 2));
  ops.predict = FaultyPredict;
  PetscCall(PnlmeModelSetOps(m, PNLME_MODEL_CLOSED_FORM, &ops, NULL, NULL));
  PetscFunctionReturn(0);
}

PETSC_EXTERN PetscErrorCode PnlmeModelPluginRegister(void)
{
  PetscFunctionBegin;
  PetscCall(PnlmeModelRegister("faulty", FaultyCreate));
  PetscFunctionReturn(0);
}
