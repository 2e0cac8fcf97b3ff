/* pnlme: cohort simulator (see apps/pnlme-simulate.c). */
#pragma once
#include "pnlmemodel.h"
