"""Batch processing of whole crawls: the same plain stage functions over partitions, locally or on Spark."""

from marsad.batch.stages import BatchResult, Task, dedup_groups, make_tasks, process_task

__all__ = ["BatchResult", "Task", "dedup_groups", "make_tasks", "process_task"]
