"""Run background jobs (certificate batches, large reports). Start one or more per machine:

    manage.py run_worker            # until SIGTERM / Ctrl-C
    manage.py run_worker --once     # run what is queued, then exit
"""

from django.core.management.base import BaseCommand

from tongzhou_care.core.jobs import Worker


class Command(BaseCommand):
    help = "执行后台任务（保险凭证批量生成等）。"

    def add_arguments(self, parser):
        parser.add_argument("--once", action="store_true", help="执行完队列中的任务后退出")
        parser.add_argument("--poll", type=float, default=1.0, help="无任务时的轮询间隔（秒）")

    def handle(self, *args, once: bool, poll: float, **options):
        worker = Worker(poll_interval=poll)
        self.stdout.write(f"后台任务进程 {worker.name} 已启动。")
        ran = worker.run(once=once)
        self.stdout.write(f"后台任务进程 {worker.name} 退出，共执行 {ran} 个任务。")
