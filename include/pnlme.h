/* pnlme: parallel nonlinear mixed-effects estimation.  The whole public API.
   Pipeline: data (pnlmedata.h) -> model (pnlmemodel.h) -> subject solves -> E-step -> reductions
   -> M-step -> outputs; random streams in pnlmerandom.h, system layer in pnlmesys.h. */
#pragma once
#include "pnlmesys.h"
#include "pnlmerandom.h"
#include "pnlmedata.h"
#include "pnlmemodel.h"
#include "pnlmesim.h"
#include "pnlmepop.h"
#include "pnlmefit.h"
#include "pnlmeselect.h"
#include "pnlmecovselect.h"
