"""The fitting issue's acceptance figures on the published runs, printed.

    python benchmarks/published_fits.py

Porian et al.'s 15 IsoFLOP settings (the library's exponent against the
authors' own fit), Gadre et al.'s held-out 1.4B/6.9B runs (mean absolute
relative error of the shared-exponent form fitted below 1B, and of the
Chinchilla form on the same split), and Muennighoff et al.'s R_D* and R_N*
refitted from the authors' nine starts. ``tests/test_fitting_real_runs.py``
asserts the same numbers against their targets.
"""

from scalinglaws.fitting import published
from scalinglaws.constants import MUENNIGHOFF_2023
t = published.porian_exponents()
print("Porian settings:", len(t), "max |a - a_authors| =", round(t["difference"].abs().max(), 4))
print(t[["label", "dataset", "a_authors", "a", "difference"]].to_string())
g = published.gadre_holdout("gadre", bootstrap=40)
print("Gadre held-out runs:", len(g), "MAE =", round(100 * g["error"].abs().mean(), 3), "%")
c = published.gadre_holdout("chinchilla", bootstrap=0)
print("Chinchilla form on the same split: MAE =", round(100 * c["error"].abs().mean(), 3), "%")
f = published.muennighoff_refit()
print("Muennighoff R_D* %.3f vs %.3f (%.2f%%); R_N* %.3f vs %.3f (%.2f%%)" % (
    f.R_D_star, MUENNIGHOFF_2023.R_D_star, 100 * (f.R_D_star / MUENNIGHOFF_2023.R_D_star - 1),
    f.R_N_star, MUENNIGHOFF_2023.R_N_star, 100 * (f.R_N_star / MUENNIGHOFF_2023.R_N_star - 1)))
