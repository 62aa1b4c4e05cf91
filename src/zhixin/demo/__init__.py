"""Synthetic demo data (演示数据): see :mod:`zhixin.demo.synth`."""
