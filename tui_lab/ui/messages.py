"""Messages the worker thread posts to the app."""

from textual.message import Message

from tui_lab.ui.trainer import Report, Trainer


class ReportReady(Message):
    """A trainer published a report. Newer reports replace queued ones."""

    def __init__(self, trainer: Trainer, report: Report) -> None:
        super().__init__()
        self.trainer, self.report = trainer, report

    def can_replace(self, message: Message) -> bool:
        return (isinstance(message, ReportReady) and message.trainer is self.trainer
                and not message.report.note)
