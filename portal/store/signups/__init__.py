"""Sign-up with a waiting list: places, FIFO promotion, shift changes, open lists, 为我推荐."""
