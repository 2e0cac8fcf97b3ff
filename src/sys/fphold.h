/* Private: floating-point traps held off around the model evaluations.

   The SIMD kernels (the closed forms' blocks, the ODE lanes, the generated right-hand sides) are
   compiled with -fno-trapping-math: a vector loop computes both arms of a select and every lane of a
   block, including lanes whose values are discarded (an empty slot, the arm a select drops), so they
   may raise an exception no result depends on.  A model's own failure is a solve status, counted and
   reported (PnlmeSolveStatus).  With PETSc's -fp_trap, the traps are therefore held off while a model
   evaluates and put back after it, with the exception flags of before: everything else still traps.
   Without traps (the default) this is one read of the control register. */
#pragma once
#if defined(__x86_64__) && defined(__SSE2__)
  #include <xmmintrin.h>
typedef struct {
  unsigned int csr;
} PnlmeFPHold;
  #define PNLME_FP_MASKS 0x1f80u /* MXCSR's exception mask bits: all set, no trap */
static inline void PnlmeFPHoldBegin(PnlmeFPHold *h)
{
  h->csr = _mm_getcsr();
  if ((h->csr & PNLME_FP_MASKS) != PNLME_FP_MASKS) _mm_setcsr(h->csr | PNLME_FP_MASKS);
}
static inline void PnlmeFPHoldEnd(const PnlmeFPHold *h)
{
  if ((h->csr & PNLME_FP_MASKS) != PNLME_FP_MASKS) _mm_setcsr(h->csr);
}
#else
  #include <fenv.h>
typedef struct {
  fenv_t env;
} PnlmeFPHold;
static inline void PnlmeFPHoldBegin(PnlmeFPHold *h) { (void)feholdexcept(&h->env); }
static inline void PnlmeFPHoldEnd(const PnlmeFPHold *h) { (void)fesetenv(&h->env); }
#endif
