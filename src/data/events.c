/* Subject timelines: what each row contributes, ADDL expansion, infusion ends, resets, ordering. */
#include "data/dataimpl.h"
#include <stdlib.h>

void PnlmeRowClassify(const PnlmeRow *r, PnlmeRowKind *k)
{
  PetscInt evid = r->evidmissing ? (r->amt > 0 ? 1 : 0) : r->evid;

  k->isreset = (PetscBool)(evid == 3 || evid == 4);
  k->isdose  = (PetscBool)(evid == 1 || evid == 4);
  k->isobs   = (PetscBool)(evid == 0 && !r->dvmissing && (r->mdvmissing || r->mdv == 0));
  k->isinf   = (PetscBool)(k->isdose && r->rate > 0 && r->amt > 0);
  k->ndose   = k->isdose ? 1 + (r->addl > 0 ? r->addl : 0) : 0;
  k->isss    = (PetscBool)(k->isdose && (r->ss == 1 || r->ss == 2));
  k->nev     = (k->isobs ? 1 : 0) + (k->isreset || (k->isss && r->ss == 1) ? 1 : 0) + (k->isss ? 1 : 0) + k->ndose * (k->isinf ? 2 : 1);
  k->ngen    = k->isdose ? (k->ndose - 1) * (k->isinf ? 2 : 1) : 0;
}

PetscErrorCode PnlmeTimelineReset(PnlmeTimeline *tl)
{
  PetscFunctionBegin;
  tl->n      = 0;
  tl->sorted = PETSC_TRUE;
  PetscFunctionReturn(0);
}

PetscErrorCode PnlmeTimelineDestroy(PnlmeTimeline *tl)
{
  PetscFunctionBegin;
  PetscCall(PetscFree7(tl->t, tl->grp, tl->seq, tl->link, tl->e, tl->perm, tl->cancel));
  tl->n = tl->cap = 0;
  PetscFunctionReturn(0);
}

static PetscErrorCode Grow(PnlmeTimeline *tl, PetscInt need)
{
  PetscReal  *t;
  PetscInt   *grp, *seq, *link, *perm;
  PnlmeEvent *e;
  PetscBool  *cancel;
  PetscInt    cap;
  PetscBool   ok;

  PetscFunctionBegin;
  if (tl->n + need <= tl->cap) PetscFunctionReturn(0);
  cap = PetscMax(2 * tl->cap, tl->n + need);
  cap = PetscMax(cap, 64);
  PNLME_DATA_TRY_ALLOC(ok, PetscMalloc7(cap, &t, cap, &grp, cap, &seq, cap, &link, cap, &e, cap, &perm, cap, &cancel));
  if (!ok) {
    tl->oom      = PETSC_TRUE;
    tl->oombytes = (size_t)cap * (sizeof(*t) + sizeof(*grp) + sizeof(*seq) + sizeof(*link) + sizeof(*e) + sizeof(*perm) + sizeof(*cancel));
    PetscFunctionReturn(0);
  }
  if (tl->n) {
    PetscCall(PetscArraycpy(t, tl->t, tl->n));
    PetscCall(PetscArraycpy(grp, tl->grp, tl->n));
    PetscCall(PetscArraycpy(seq, tl->seq, tl->n));
    PetscCall(PetscArraycpy(link, tl->link, tl->n));
    PetscCall(PetscArraycpy(e, tl->e, tl->n));
  }
  PetscCall(PetscFree7(tl->t, tl->grp, tl->seq, tl->link, tl->e, tl->perm, tl->cancel));
  tl->t      = t;
  tl->grp    = grp;
  tl->seq    = seq;
  tl->link   = link;
  tl->e      = e;
  tl->perm   = perm;
  tl->cancel = cancel;
  tl->cap    = cap;
  PetscFunctionReturn(0);
}

static inline PetscInt Add(PnlmeTimeline *tl, PetscReal t, PetscInt grp, PnlmeEventType type, PetscReal amount, PetscReal duration, PetscInt cmt, PetscInt index)
{
  PetscInt i = tl->n++;
  tl->t[i]            = t;
  tl->grp[i]          = grp;
  tl->seq[i]          = i;
  tl->link[i]         = -1;
  tl->e[i].time       = t;
  tl->e[i].amount     = amount;
  tl->e[i].duration   = duration;
  tl->e[i].type       = type;
  tl->e[i].cmt        = cmt;
  tl->e[i].index      = index;
  if (grp) tl->sorted = PETSC_FALSE;
  return i;
}

PetscErrorCode PnlmeTimelineAddRow(PnlmeTimeline *tl, const PnlmeRow *r, const PnlmeRowKind *k, PetscInt obsindex, PetscInt doseindex)
{
  PetscFunctionBegin;
  if (!k->nev) PetscFunctionReturn(0);
  PetscCall(Grow(tl, k->nev));
  if (tl->oom) PetscFunctionReturn(0);
  if (k->isobs) Add(tl, r->time, 0, PNLME_EV_OBS, 0, 0, r->cmtmissing ? PETSC_DECIDE : r->cmt, obsindex);
  if (k->isreset || (k->isss && r->ss == 1)) Add(tl, r->time, 0, PNLME_EV_RESET, 0, 0, 0, -1); /* SS 1 forgets the doses before */
  if (k->isdose) {
    PetscInt cmt = r->cmtmissing ? 1 : r->cmt;
    if (k->isss) Add(tl, r->time, 0, PNLME_EV_STEADY_STATE, r->ii, 0, r->ss, doseindex); /* just before its dose (grp 0, next seq) */
    for (PetscInt j = 0; j < k->ndose; j++) {
      PetscReal tj = r->time + (PetscReal)j * r->ii; /* t + j*II, not a running sum: no drift */
      if (k->isinf) {
        PetscReal dur = r->amt / r->rate;
        PetscInt  s   = Add(tl, tj, j ? 1 : 0, PNLME_EV_INFUSION_START, r->rate, dur, cmt, doseindex);
        PetscInt  e   = Add(tl, tj + dur, 1, PNLME_EV_INFUSION_END, r->rate, 0, cmt, doseindex);
        tl->link[s]   = e;
      } else Add(tl, tj, j ? 1 : 0, PNLME_EV_BOLUS, r->amt, 0, cmt, doseindex);
    }
  }
  PetscFunctionReturn(0);
}

static PnlmeTimeline *SortCtx; /* qsort has no context argument; the reader is not reentrant per rank */

static int CompareEntries(const void *a, const void *b)
{
  PetscInt i = *(const PetscInt *)a, j = *(const PetscInt *)b;
  const PnlmeTimeline *tl = SortCtx;
  if (tl->t[i] < tl->t[j]) return -1;
  if (tl->t[i] > tl->t[j]) return 1;
  if (tl->grp[i] != tl->grp[j]) return tl->grp[i] < tl->grp[j] ? -1 : 1;
  return tl->seq[i] < tl->seq[j] ? -1 : (tl->seq[i] > tl->seq[j] ? 1 : 0);
}

/* Order: by time; at equal times rows keep file order and generated entries (ADDL doses, infusion ends)
   come after them, in creation order.  A reset stops the infusions running at its time: their end
   entries move to the reset time, just before the reset. */
PetscErrorCode PnlmeTimelineFinish(PnlmeTimeline *tl, PnlmeEvent out[], PetscInt *nout)
{
  PetscInt  n = tl->n, no = 0, nactive = 0;
  PetscBool anyreset = PETSC_FALSE, anyinf = PETSC_FALSE;

  PetscFunctionBegin;
  for (PetscInt i = 0; i < n; i++) {
    tl->perm[i]   = i;
    tl->cancel[i] = PETSC_FALSE;
    if (tl->e[i].type == PNLME_EV_RESET) anyreset = PETSC_TRUE;
    if (tl->e[i].type == PNLME_EV_INFUSION_START) anyinf = PETSC_TRUE;
  }
  if (!tl->sorted) {
    SortCtx = tl;
    qsort(tl->perm, (size_t)n, sizeof(PetscInt), CompareEntries);
    SortCtx = NULL;
  }
  if (!(anyreset && anyinf)) {
    for (PetscInt p = 0; p < n; p++) out[p] = tl->e[tl->perm[p]];
    *nout = n;
    PetscFunctionReturn(0);
  }
  /* active infusion starts are kept in the low part of seq[] (free after sorting) */
  for (PetscInt p = 0; p < n; p++) {
    PetscInt i = tl->perm[p];
    if (tl->cancel[i]) continue;
    switch (tl->e[i].type) {
    case PNLME_EV_INFUSION_START:
      tl->seq[nactive++] = i;
      out[no++]          = tl->e[i];
      break;
    case PNLME_EV_INFUSION_END:
      for (PetscInt a = 0; a < nactive; a++)
        if (tl->link[tl->seq[a]] == i) {
          tl->seq[a] = tl->seq[--nactive];
          break;
        }
      out[no++] = tl->e[i];
      break;
    case PNLME_EV_RESET:
      for (PetscInt a = 0; a < nactive; a++) {
        PetscInt end = tl->link[tl->seq[a]];
        out[no]      = tl->e[end];
        out[no].time = tl->e[i].time;
        no++;
        tl->cancel[end] = PETSC_TRUE;
      }
      nactive   = 0;
      out[no++] = tl->e[i];
      break;
    default:
      out[no++] = tl->e[i];
    }
  }
  *nout = no;
  PetscFunctionReturn(0);
}
