"""The keys of personal data at rest (docs/deploy.md "Keys of personal data").

    manage.py personal_data_keys new                  # a new SM4 key and a new hash key, to put in the environment
    manage.py personal_data_keys status               # which key ids the data is sealed under
    manage.py personal_data_keys reseal --user admin  # queue the re-sealing under the current key (rotation)
"""

from django.core.management.base import BaseCommand, CommandError

from tongzhou_care.core import crypto
from tongzhou_care.core.key_rotation import reseal_queue, sealed_key_ids, values_to_reseal
from tongzhou_care.core.keys import keyring
from tongzhou_care.core.models import User


class Command(BaseCommand):
    help = "个人信息加密密钥：生成新密钥、查看各密钥加密的数据量、排队用当前密钥重新加密。"

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["new", "status", "reseal"])
        parser.add_argument("--user", help="reseal：以哪个用户的名义执行（审计记录中的操作人），例如 admin")

    def handle(self, *args, action: str, user: str | None, **options):
        if action == "new":
            self.stdout.write("# 新的 SM4 密钥（加到 PERSONAL_DATA_KEYS，编号取未用过的，例如 2:…）：")
            self.stdout.write(crypto.new_key_text())
            self.stdout.write("# 新的 HMAC-SM3 检索密钥（仅在首次部署时设置 PERSONAL_DATA_HASH_KEY；更换见部署文档）：")
            self.stdout.write(crypto.new_key_text(crypto.HASH_KEY_SIZE))
            return
        ring = keyring()
        if action == "status":
            self.stdout.write(f"当前加密密钥：{ring.current}；已配置：{', '.join(map(str, sorted(ring.keys)))}")
            for key_id, n in sorted(sealed_key_ids().items()):
                state = "" if key_id in ring.keys else "（未配置，无法解密！）"
                self.stdout.write(f"密钥 {key_id}：{n} 项{state}")
            left = {column: n for column, n in values_to_reseal().items() if n}
            for column, n in left.items():
                self.stdout.write(f"  待重新加密 {column}：{n}")
            self.stdout.write("全部在当前密钥下。" if not left else f"共 {sum(left.values())} 项待重新加密。")
            return
        if not user:
            raise CommandError("请用 --user 指定操作人（审计记录需要）。")
        actor = User.objects.filter(username=user, is_active=True).first()
        if actor is None:
            raise CommandError(f"用户 {user} 不存在或已停用。")
        job = reseal_queue(actor=actor)
        self.stdout.write(f"重新加密任务已排队（任务编号 {job.pk}），由后台进程执行，进度见该用户的“后台任务”。")
