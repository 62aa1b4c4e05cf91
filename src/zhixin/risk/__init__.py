"""风险模型: scorecards (trained on optbinning, or expert cards as data), the model registry with
champion/challenger and maker-checker, drift (PSI/CSI), Chinese reason codes, risk features from
quality records, financials, invoicing/tax and bank-statement cash flows (read under the
enterprise's consent), and patent valuation (知识产权估值).

Pure modules: :mod:`.features`, :mod:`.card`, :mod:`.metrics`, :mod:`.spec`, :mod:`.rules`,
:mod:`.patent`, :mod:`.training` and :mod:`.datasets` (the last two need ``zhixin[risk]``).
"""
