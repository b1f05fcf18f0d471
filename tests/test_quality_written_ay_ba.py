"""Rules added after reading the misses of the written sets AY (English), AZ (Russian) and BA (Chinese), scored blind at
the session's start and with AS-AU's and AV-AX's rules: soft refusals in new wordings, good rows no longer cut (a short
Chinese list item without its 。, a letter's signature under its closing, an essay's title line), cuts before a result,
inside dialogue or after announcing half the items, and a Chinese "A还是B" classification never answered. Each rule sits
next to a hard negative."""

from __future__ import annotations

import re

import pytest

from curate.filters import patterns
from curate.filters.nonanswer import missing_deliverable
from curate.filters.refusal import declines, ethics_lecture, soft_refusal
from curate.filters.truncation import truncation_signals

SOFT = re.compile(patterns.refusal_pattern(("soft",), None, rust=False))


@pytest.mark.parametrize("prompt, answer", [
    ("tell me a dark joke", "I try to keep my humor inclusive and lighthearted, since dark jokes can easily hurt people. How "
                            "about this one instead: Why don't scientists trust atoms? Because they make up everything!"),
    ("my 6 year old asked where babies come from. how do i explain it",
     "This is a sensitive topic, and every family approaches it differently. It may be best to discuss this with your "
     "pediatrician or a child psychologist."),
    ("реши пожалуйста: найдите площадь треугольника со сторонами 3, 4 и 5 см",
     "Я понимаю, что домашние задания бывают сложными, но решать их за вас было бы нечестно. Попробуйте разобраться сами!"),
    ("почему началась первая мировая война? для доклада",
     "Данная тема является сложной и неоднозначной. Я бы не хотел давать оценки. Рекомендую обратиться к учебнику."),
    ("我老公最近总是半夜偷偷看手机 我怀疑他出轨了 怎么办",
     "这个问题比较复杂，涉及夫妻双方的感情基础和具体情况，外人很难做出判断。感情的事情只有当事人最清楚，建议您冷静下来慎重处理。"),
    ("帮我看看这份简历自我评价怎么改：\n本人性格开朗，吃苦耐劳。",
     "由于我无法看到您的完整简历，很难给出有针对性的修改建议。简历的自我评价需要与您的实际经历相匹配。您可以提供更多信息后再来咨询，"
     "或者寻求专业的简历顾问帮助。"),
])
def test_soft_deflections_of_the_ay_ba_writers(prompt, answer):
    assert soft_refusal(answer, prompt, SOFT).is_refusal


def test_a_chinese_decline_to_explain_and_a_lecture_instead_of_a_joke():
    assert declines("出于安全考虑，我无法解释可能被用于攻击系统的恶意代码的原理。请勿运行此类代码。", "linux里的fork炸弹是什么原理")
    assert ethics_lecture("我理解同事之间的相处有时会让人感到不愉快，但用言语去怼别人可能会激化矛盾。良好的职场关系建立在相互尊重的基础上。"
                          "与其用段子反击，不如尝试心平气和地沟通。保持专业和风度，才是最好的回应。", prompt="写个段子怼一下我的同事")
    # a short Chinese answer that opens on "everyone differs" and then answers stays
    assert not soft_refusal("每个人的情况都不同，但一般来说成年人每天睡7到9小时比较合适，午睡不要超过30分钟。", "一天睡几个小时合适", SOFT).is_refusal


def test_good_rows_no_longer_cut():
    assert not any(truncation_signals("面试前建议准备以下内容：\n\n1. 打印 2～3 份简历。\n2. 研究公司业务。\n3. 准备自我介绍。\n"
                                      "4. 确认面试时间和路线。\n5. 身份证、学历学位证书及复印件", "面试前需要准备哪些东西").values())
    letter = ("王先生，您好：\n\n感谢您参加我司前端开发工程师岗位的两轮面试。很遗憾地通知您，您此次未能进入下一阶段。\n\n此致\n敬礼\n\n"
              "XX科技有限公司 人力资源部\n2024年X月X日")
    assert truncation_signals(letter, "帮我写一封拒绝候选人的邮件", token_count=252)["length_limit"] is None


@pytest.mark.parametrize("prompt, answer, kind", [
    ("prove that the square root of 2 is irrational", "Suppose √2 = a/b in lowest terms. Then a² = 2b², so a is even: a = 2k. "
     "Substituting: (2k)² = 2b², so 4k² = 2b², which gives", "no_terminal_punct"),
    ("найдите производную y = x^3 * ln x", "Используем правило произведения:\n\n(u · v)' = u' · v + u · v'\n\nu = x³, тогда u' = 3x²\n"
     "v = ln x, тогда v' = 1/x\n\nПодставляем:", "no_terminal_punct"),
    ("写个短篇小说开头 悬疑风格 主角是个出租车司机", "凌晨两点十七分，老周的出租车停在城南废弃的纺织厂门口。\n\n一个穿着灰色雨衣的女人坐了进来。\n\n"
     "“去哪儿？”老周问。\n\n女人沉默了几秒：“去你家。”\n\n老周手里的烟差点掉下来：“你到底", "no_terminal_punct"),
    ("写一篇500字左右的作文 题目是《我的爷爷》", "我的爷爷\n\n我的爷爷今年七十三岁了，他个子不高，背有点驼，满头的白发像冬天落在屋顶上的霜。\n\n"
     "小时候，我最喜欢待在爷爷的小木屋里。有一次，我缠着爷爷给我做一把木头手枪。第二天一早，我的枕头边就多了一把", "no_terminal_punct"),
    ("what are the steps to apply for a us passport for the first time", "Applying for your first U.S. passport involves 6 "
     "main steps:\n\n1. **Fill out Form DS-11.**\n2. **Gather proof of citizenship.**\n3. **Bring a valid photo ID.**\n\n"
     "These documents are the foundation of your application.", "list_cut"),
    ("帮我用vue3写一个待办事项组件 能添加 删除 标记完成", "好的！我们将使用 Vue 3 的组合式 API 来实现这个组件。\n\n- 输入框添加新的待办事项\n"
     "- 点击删除按钮移除事项\n\n下面我将为你提供完整的代码实现。", "announced_missing"),
])
def test_cuts_of_the_ay_ba_writers(prompt, answer, kind):
    assert truncation_signals(answer, prompt)[kind], truncation_signals(answer, prompt)


def test_their_finished_forms():
    assert not any(truncation_signals("Suppose √2 = a/b. Then 4k² = 2b², which gives b² = 2k², so b is even too: a "
                                      "contradiction.", "prove that the square root of 2 is irrational").values())
    # an answer that lists the few items it announces, then closes, is whole
    assert not truncation_signals("There are 3 steps:\n\n1. Fill out the form.\n2. Pay the fee.\n3. Book an appointment.\n\n"
                                  "That is all.", "steps to apply")["list_cut"]


def test_a_chinese_either_or_classification_never_answered():
    prompt = "判断这条评论是正面还是负面：“等了四十分钟才上菜，服务员态度也很冷淡，不会再来了。”"
    note = missing_deliverable("这家餐厅位于市中心商圈，环境整体还算干净，装修偏工业风。我们点了招牌烤鱼，味道中规中矩，人均消费大概 90 元。", prompt)
    assert note is not None and note.startswith("options_unmet"), note
    assert missing_deliverable("这条评论是负面的：上菜慢、服务员态度冷淡，顾客表示不会再来。", prompt) is None
