"""Pure calculations on pandas objects: no I/O, no clock, no globals."""
