"""What providers/ announces to the layers above it, which it must not import.

`setting_transferred` is sent inside the transaction that moves a setting to another provider,
so whatever a receiver writes (brokerage/ queues both providers' emails in its outbox) commits or
rolls back with the move. Arguments: claim, setting, previous (the organisation that ran it),
now.
"""

from django.dispatch import Signal

setting_transferred = Signal()
