# One-off generator kept for the record: turns the seed document into seeds/checklist.toml.
# The task texts are copied verbatim from the seed; everything else (titles, weights,
# targets, indicators, rules) is written below by hand.
import re, json, sys
t = open(sys.argv[1], encoding='utf-8').read()
body = t.split('(相关职能部门提供)')[1]
parts = re.split(r'\n([一二三四五])、(\S+)\n', body)
texts = {}
for i in range(1, len(parts), 3):
    num, txt = parts[i], parts[i + 2]
    tasks = re.split(r'(?:(?<=\n)|^|(?<=。))(\d{1,2})\.(?!\d)', txt.strip())
    for j in range(1, len(tasks), 2):
        texts[f'{num}、{tasks[j]}'] = tasks[j + 1].strip()
assert len(texts) == 42, len(texts)

def q(s): return json.dumps(s, ensure_ascii=False)

AREAS = [("一", "产业振兴", 25), ("二", "人才振兴", 15), ("三", "文化振兴", 15), ("四", "生态振兴", 20), ("五", "组织振兴", 25)]
# id: (title, weight, due, target)
META = {
 "一、1": ("发展优势特色产业", 4, 12, "形成“一乡一业、一村一品”格局,年底前见成效"),
 "一、2": ("提升乡村产业水平", 4, 12, "推进一二三产业融合,总结可复制推广的经验模式"),
 "一、3": ("培育壮大新型经营主体", 4, 12, "招引培育龙头企业,发展家庭农场和合作社"),
 "一、4": ("推动农村土地规模化经营", 4, 12, "引导土地经营权有序流转,发展适度规模经营"),
 "一、5": ("发展壮大农村集体经济", 5, 12, "完成清产核资,一村一策盘活集体资源资产"),
 "一、6": ("加大乡村本土人才培育", 4, 12, "培育推荐“乡村之星”和“土专家”“田秀才”"),
 "二、1": ("招募“乡村振兴合伙人”", 4, 12, "开展合伙人招募计划,形成合作项目"),
 "二、2": ("开展新型职业农民培育培训", 4, 12, "分类型、分层次开展职业农民培育"),
 "二、3": ("提升农村技能人才创新创业能力", 4, 12, "开展“送智下乡”和培训下乡"),
 "二、4": ("“村村都有好青年”和“巾帼行动”", 3, 12, "配合团委、妇联开展选培和培训"),
 "三、1": ("开展理论宣传宣讲", 1, 12, "党的理论和政策在乡村家喻户晓"),
 "三、2": ("建设新时代文明实践站", 1, 12, "高标准推进包保村文明实践站建设"),
 "三、3": ("拓展文明实践站功能", 1, 12, "打通“五大平台”,常态开展文明实践活动"),
 "三、4": ("完善村志愿服务站建设", 1, 12, "志愿服务常态化、长效化"),
 "三、5": ("孵化志愿服务队伍", 1, 12, "组建“群众身边永不走的志愿服务队”"),
 "三、6": ("农村环境综合整治", 1, 12, "常态化实施乡村清洁工程"),
 "三、7": ("推进移风易俗", 1, 12, "遏制大操大办和高额彩礼,落实殡葬惠民政策"),
 "三、8": ("抓实红白理事会", 1, 12, "红白理事会立得住、起作用、叫得响"),
 "三、9": ("红白理事志愿服务队", 1, 12, "有条件的村成立服务队,制定红白宴标准"),
 "三、10": ("垃圾治理和移风易俗宣传", 1, 12, "提升群众知晓率、满意度"),
 "三、11": ("村综合文化服务中心建设", 1, 10, "国庆前开展庆祝新中国成立70周年文化惠民活动"),
 "三、12": ("传承优秀传统文化", 1, 12, "有条件的村建设乡村博物馆、民俗馆等"),
 "三、13": ("保护传承非物质文化遗产", 1, 12, "培育传统工艺,开展文创产品研发"),
 "三、14": ("善行义举四德榜", 1, 12, "举荐道德模范、身边好人等先进典型"),
 "三、15": ("乡村文化振兴调查研究", 1, 12, "总结上报有效做法和鲜活经验"),
 "四、1": ("农村生活污水处理", 3, 12, "污水产生规模大于50立方米/日的村建设一体化污水处理站"),
 "四、2": ("农村改厕“回头看”", 1.5, 12, "消除改厕隐患,确保“改得好、用得起”"),
 "四、3": ("确保群众饮水安全", 3, 12, "全面解决农村饮水安全问题"),
 "四、4": ("抓好农村危房改造", 1.5, 12, "严格执行改造流程和农户档案管理"),
 "四、5": ("农村生活垃圾综合整治", 1.5, 9, "国庆节前开展“三大行动”,不形成垃圾积存"),
 "四、6": ("美丽乡村建设", 1.5, 12, "按程序有序推进美丽乡村创建"),
 "四、7": ("“美丽庭院”建设", 1.5, 12, "动员群众创建“美丽庭院”"),
 "四、8": ("畜禽粪污资源化利用", 2, 12, "年底前完成畜禽粪污资源化利用任务目标"),
 "四、9": ("推动秸秆综合利用", 1.5, 12, "夏秋禁烧时段推动秸秆综合利用"),
 "四、10": ("农村“四好公路”建设", 3, 12, "每村通4米以上公路,50%以上的村通6米以上公路"),
 "五、1": ("优化村党组织带头人队伍", 3, 12, "调整不胜任书记,组织外出学习"),
 "五、2": ("培养村党组织书记后备力量", 4, 0, "每村至少储备2名,其中40岁左右的至少1名"),
 "五、3": ("抓好党员队伍建设", 4, 12, "消除3年以上不发展党员的村;冬训不少于32学时"),
 "五、4": ("严格党内组织生活", 4, 12, "每月1次主题党日;每年至少1次组织生活会、1次民主评议党员"),
 "五、5": ("健全村级民主管理制度", 2, 12, "落实“小微权力”清单和“四议两公开”"),
 "五、6": ("整顿软弱涣散党组织", 2, 12, "一年内整顿转化"),
 "五、7": ("发展壮大村级集体经济", 6, 11, "项目资金70%以上用于集体经济;11月前每村集体收入突破3万元,80%以上的村达到5万元"),
}
IND = {
 "四、1": [dict(id="sewage_volume", name="污水产生规模", level="village", unit="立方米/日", type="number", min=0, max=5000, help="本村生活污水日产生量的估算值"),
          dict(id="sewage_station", name="建成污水处理站", level="village", type="bool", help="已建成一体化污水处理站或已接入城镇管网的填“是”")],
 "四、3": [dict(id="safe_water", name="饮水安全达标", level="village", type="bool", help="全村已实现安全饮水的填“是”")],
 "四、8": [dict(id="manure_rate", name="畜禽粪污资源化利用任务完成率", level="county", unit="%", type="percent", min=0, max=100, help="按年度任务目标计算的累计完成比例")],
 "四、10": [dict(id="road4", name="通4米以上公路", level="village", type="bool", help="至少有一条路面宽4米以上公路通达的填“是”"),
           dict(id="road6", name="通6米以上公路", level="village", type="bool", help="有一条路面宽6米以上公路通达的填“是”")],
 "五、2": [dict(id="reserve", name="书记后备力量", level="village", unit="人", type="integer", min=0, max=30, help="台账中储备的村党组织书记后备人选人数"),
          dict(id="reserve40", name="其中40岁左右", level="village", unit="人", type="integer", min=0, max=30, le="reserve", help="后备人选中40岁左右的人数,不能多于后备力量人数")],
 "五、3": [dict(id="new_member", name="近3年发展党员", level="village", type="bool", help="近3年内发展过党员的填“是”,3年以上未发展的填“否”"),
          dict(id="winter_hours", name="冬训学时", level="village", unit="学时", type="number", min=0, max=200, help="本年度党员冬训集中学习培训学时")],
 "五、4": [dict(id="theme_days", name="主题党日次数", level="village", unit="次", type="integer", min=0, max=60, help="本年1月至本期累计开展主题党日活动次数"),
          dict(id="life_meetings", name="组织生活会次数", level="village", unit="次", type="integer", min=0, max=20, help="本年累计召开组织生活会次数"),
          dict(id="member_reviews", name="民主评议党员次数", level="village", unit="次", type="integer", min=0, max=20, help="本年累计开展民主评议党员次数")],
 "五、7": [dict(id="fund_total", name="第一书记项目资金", level="county", unit="万元", type="number", min=0, max=100000, help="本年度全县第一书记项目资金总额"),
          dict(id="fund_collective", name="其中用于村级集体经济", level="county", unit="万元", type="number", min=0, max=100000, le="fund_total", help="项目资金中用于发展村级集体经济的金额,不能大于资金总额"),
          dict(id="income", name="村集体经济收入", level="village", unit="万元", type="number", min=0, max=10000, help="本年1月至本期村集体经济累计收入")],
}
RULES = {
 "四、1": ("compliance", [dict(kind="compliance", indicator="sewage_station", op="==", threshold=1, share=1, weight=1, label="污水产生规模大于50立方米/日的村建成污水处理站", where=dict(indicator="sewage_volume", op=">", value=50))]),
 "四、3": ("compliance", [dict(kind="compliance", indicator="safe_water", op="==", threshold=1, share=1, weight=1, label="饮水安全达标的村")]),
 "四、8": ("quantity", [dict(kind="quantity", indicator="manure_rate", op=">=", threshold=100, weight=1, due=12, prorata=True, label="畜禽粪污资源化利用任务完成率")]),
 "四、10": ("compliance", [dict(kind="compliance", indicator="road4", op="==", threshold=1, share=1, weight=0.5, label="通4米以上公路的村"),
                          dict(kind="village_share", indicator="road6", op="==", threshold=1, share=0.5, weight=0.5, label="通6米以上公路的村")]),
 "五、2": ("compliance", [dict(kind="compliance", indicator="reserve", op=">=", threshold=2, share=1, weight=0.5, label="储备2名以上后备力量的村"),
                         dict(kind="compliance", indicator="reserve40", op=">=", threshold=1, share=1, weight=0.5, label="有40岁左右后备力量的村")]),
 "五、3": ("compliance", [dict(kind="compliance", indicator="new_member", op="==", threshold=1, share=1, weight=0.5, label="近3年发展过党员的村"),
                         dict(kind="compliance", indicator="winter_hours", op=">=", threshold=32, share=1, weight=0.5, due=12, prorata=False, label="冬训不少于32学时的村")]),
 "五、4": ("count", [dict(kind="count", indicator="theme_days", op=">=", threshold=12, share=1, weight=0.5, due=12, prorata=True, label="每月开展主题党日的村"),
                    dict(kind="count", indicator="life_meetings", op=">=", threshold=1, share=1, weight=0.25, due=12, prorata=False, label="召开组织生活会的村"),
                    dict(kind="count", indicator="member_reviews", op=">=", threshold=1, share=1, weight=0.25, due=12, prorata=False, label="开展民主评议党员的村")]),
 "五、7": ("ratio", [dict(kind="ratio", indicator="fund_collective", denominator="fund_total", op=">=", threshold=0.7, weight=0.3, label="项目资金用于村级集体经济的比例"),
                    dict(kind="compliance", indicator="income", op=">=", threshold=3, share=1, weight=0.35, due=11, prorata=True, label="集体经济收入突破3万元的村"),
                    dict(kind="village_share", indicator="income", op=">=", threshold=5, share=0.8, weight=0.35, due=11, prorata=True, label="集体经济收入达到5万元以上的村")]),
}

def val(v):
    if isinstance(v, bool): return 'true' if v else 'false'
    if isinstance(v, (int, float)): return repr(v)
    if isinstance(v, dict): return '{ ' + ', '.join(f'{k} = {val(x)}' for k, x in v.items()) + ' }'
    return q(v)

out = []
w = out.append
w('# 乡村振兴重点工作任务清单 as data: the checklist kaohe scores against.')
w('# Source: 济宁市下派干部工作联席会议办公室《关于抓好乡村振兴重点工作任务落实的通知》(2019-08-16).')
w('# Task texts are verbatim from the source; titles, weights, targets, indicators and rules are ours.')
w('# The schema is documented in docs/checklist.md; `kaohe check-checklist FILE` validates an edited copy.')
w('')
w('version = "2019.1"')
w('name = "乡村振兴重点工作任务清单"')
w('issuer = "济宁市下派干部工作联席会议办公室"')
w('source = "关于抓好乡村振兴重点工作任务落实的通知(2019年8月16日)"')
w('')
w('[scoring]')
w('# 推进中 counts as on schedule (序时), but for at most this share of the task, so a task')
w('# still 推进中 when it falls due is behind (未启动 = 0, 已完成 = 1).')
w('in_progress = 0.8')
w('# Traffic light: points behind 序时 (expected progress) for 黄 and for 红.')
w('yellow_behind = 10.0')
w('red_behind = 30.0')
w('# Grade bands, highest first: a total at or above min earns the grade.')
w('grades = [')
for n, m in [("优秀", 90), ("良好", 80), ("一般", 60), ("较差", 0)]:
    w(f'  {{ name = "{n}", min = {m}.0 }},')
w(']')
w('# Late deductions: a form received up_to_days days after the deadline loses points;')
w('# up_to_days = 0 matches any longer delay.')
w('late = [')
w('  { up_to_days = 3, points = 0.5 },')
w('  { up_to_days = 0, points = 1.0 },')
w(']')
for aid, aname, aw in AREAS:
    w('')
    w('[[area]]')
    w(f'id = "{aid}"')
    w(f'name = "{aname}"')
    w(f'weight = {float(aw)}')
    for tid in [k for k in texts if k.startswith(aid + '、')]:
        title, wt, due, target = META[tid]
        kind, rules = RULES.get(tid, ("status", []))
        w('')
        w('[[area.task]]')
        w(f'id = "{tid}"')
        w(f'title = {q(title)}')
        w(f'kind = "{kind}"')
        w(f'weight = {float(wt)}')
        if due: w(f'due = {due}')
        w(f'target = {q(target)}')
        w(f'text = {q(texts[tid])}')
        for ind in IND.get(tid, []):
            w('[[area.task.indicator]]')
            for k, v in ind.items():
                if k in ('min', 'max'): v = float(v)
                w(f'{k} = {val(v)}')
        for r in rules:
            w('[[area.task.rule]]')
            for k, v in r.items():
                if k in ('threshold', 'share', 'weight'): v = float(v)
                w(f'{k} = {val(v)}')
open(sys.argv[2], 'w', encoding='utf-8').write('\n'.join(out) + '\n')
tot = sum(m[1] for m in META.values())
print('tasks', len(META), 'weight', tot)
