# R nlme (Lindstrom-Bates, ML) on the theophylline WT model of input/theophylline/focei_wt.yaml, for
# bench/focei.sh: one compartment, first-order absorption, log-normal ka, ke, V with diagonal Omega,
# log(WT / mean WT) on ka and V, additive error.  Prints the wall time of nlme(), -2LL and estimates.
#   Rscript bench/focei_nlme.R input/theophylline/theo_sd.csv
suppressMessages(library(nlme))
args <- commandArgs(trailingOnly = TRUE)
d <- read.csv(args[1], na.strings = ".")
dose <- d[d$EVID == 1, c("ID", "AMT", "WT")]
obs <- d[d$EVID == 0, c("ID", "TIME", "DV")]
obs <- merge(obs, dose, by = "ID")
obs$c <- log(obs$WT / mean(dose$WT))
obs <- groupedData(DV ~ TIME | ID, data = obs)
f <- function(lka, lke, lV, TIME, AMT) {
  ka <- exp(lka); ke <- exp(lke); V <- exp(lV)
  AMT * ka / (V * (ka - ke)) * (exp(-ke * TIME) - exp(-ka * TIME))
}
fit <- NULL
t <- system.time(fit <- nlme(DV ~ f(lka, lke, lV, TIME, AMT), data = obs,
  fixed = list(lka ~ c, lke ~ 1, lV ~ c), random = pdDiag(lka + lke + lV ~ 1),
  start = c(log(1.5), 2.5, log(0.1), log(30), 0.5), method = "ML"))
fe <- fixef(fit)
sd <- as.numeric(VarCorr(fit)[1:3, "StdDev"])
cat(sprintf("nlme: wall %.3f s, -2LL %.3f, ka %.4f, ke %.5f, V %.3f, beta %.3f / %.3f, omega %.3f / %.3f / %.3f, a %.4f\n",
  t[["elapsed"]], -2 * as.numeric(logLik(fit)), exp(fe[1]), exp(fe[3]), exp(fe[4]), fe[2], fe[5], sd[1], sd[2], sd[3], fit$sigma))
