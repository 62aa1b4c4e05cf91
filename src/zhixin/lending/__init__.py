"""The lending core (贷款计算核心): the arithmetic that quotes, the loan book, subsidies and
pre-approved limits share. Pure: no database, no web, no settings — values in, values out.

Every function takes keyword arguments, works in ``Decimal`` yuan to the fen and annual rates in
percent, and refuses bad input with a ``ValueError`` whose message is Chinese.

=====================  =======================================================================
module                 what it gives
=====================  =======================================================================
``money``              ``fen`` — the one half-up rounding to the fen; ``q4`` for rates;
                       ``split(total, weights, remainder_to=None)`` — parts that sum exactly
``dates``              ``add_months``; the holiday rules ``following`` / ``preceding``;
                       ``DueDateCalendar`` — a working-day calendar passed in as a value, with
                       the weekends-only fallback for years it does not know
``daycount``           ``monthly_interest`` (rate / 12), ``daily_interest`` / ``accrue``
                       (ACT/360 between two dates), ``penalty_rate`` and ``overdue_interest``
                       (罚息), ``compound_interest`` (复利)
``schedule``           ``Method``; ``build_schedule(principal=, annual_rate=, start=, method=,
                       term_months= | maturity=, holiday_rule=, calendar=)`` → ``Schedule``
``irr``                ``irr(flows)`` / ``annualised_rate(flows)`` — the 年化利率 of dated cash
                       flows (monthly IRR × 12, PBoC 〔2021〕第3号); ``flows_of(schedule, fees=)``
``charges``            ``guarantee_fees`` (basis from the product), ``yearly_charges``,
                       ``subsidies`` (贴息 by the schedule's own convention, capped)
=====================  =======================================================================

Conventions, each stated where it is implemented: 等额本息 and 等额本金 charge each whole month at
the monthly rate (annual / 12) on the opening balance; interest-only (按月付息到期还本), 随借随还,
overdue amounts and broken periods accrue daily at annual / 360 on actual days.
"""
