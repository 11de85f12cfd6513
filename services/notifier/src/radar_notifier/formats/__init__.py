"""One module per channel format; each lays out the same :class:`~radar_notifier.alert.Alert`."""
