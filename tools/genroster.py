# One-off generator kept for the record: writes seeds/roster.toml, the demo roster of the
# 14 units the seed document addresses. 乡镇 names are real; village and 第一书记 names are
# made up (deterministic), as are the demo e-mail addresses (the reserved .test domain).
import random, sys
UNITS = [
 ("370811", "任城区", "rencheng", ["长沟镇", "唐口街道", "喻屯镇", "二十里铺街道", "李营街道"]),
 ("370812", "兖州区", "yanzhou", ["新兖镇", "漕河镇", "小孟镇", "颜店镇", "大安镇"]),
 ("370826", "微山县", "weishan", ["韩庄镇", "欢城镇", "南阳镇", "鲁桥镇", "留庄镇", "两城镇"]),
 ("370827", "鱼台县", "yutai", ["王鲁镇", "张黄镇", "王庙镇", "李阁镇", "唐马镇"]),
 ("370828", "金乡县", "jinxiang", ["鸡黍镇", "司马镇", "胡集镇", "羊山镇", "化雨镇", "卜集镇"]),
 ("370829", "嘉祥县", "jiaxiang", ["纸坊镇", "梁宝寺镇", "马村镇", "金屯镇", "孟姑集镇", "老僧堂镇"]),
 ("370830", "汶上县", "wenshang", ["南站镇", "南旺镇", "次丘镇", "寅寺镇", "郭楼镇", "康驿镇"]),
 ("370831", "泗水县", "sishui", ["金庄镇", "苗馆镇", "中册镇", "杨柳镇", "泉林镇", "星村镇"]),
 ("370832", "梁山县", "liangshan", ["小安山镇", "寿张集镇", "韩垓镇", "馆驿镇", "小路口镇", "拳铺镇"]),
 ("370881", "曲阜市", "qufu", ["吴村镇", "姚村镇", "陵城镇", "尼山镇", "王庄镇", "息陬镇"]),
 ("370883", "邹城市", "zoucheng", ["香城镇", "城前镇", "大束镇", "北宿镇", "中心店镇", "唐村镇", "太平镇"]),
 ("370871", "济宁高新区", "gaoxin", ["柳行街道", "洸河街道", "黄屯街道", "王因街道"]),
 ("JN-TBH", "太白湖新区", "taibaihu", ["许庄街道", "石桥镇", "南张街道"]),
 ("JN-JKQ", "济宁经济技术开发区", "jingkai", ["疃里镇", "大张楼镇", "马集镇"]),
]
SURN = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕苏卢蒋蔡贾丁魏薛叶阎余潘杜戴夏钟汪田任姜范方石姚谭廖邹熊金陆郝孔白崔康毛邱秦江史顾侯邵孟龙万段漕钱汤尹黎易常武乔贺赖龚文"
SUFF = ["庄村", "楼村", "集村", "屯村", "营村", "店村", "桥村", "庙村", "家村", "洼村", "口村", "寨村", "园村", "堂村", "坊村", "湖村", "岗村", "官庄村", "河村", "堌堆村"]
GIVEN = "建国志强伟海明军涛磊斌勇峰超刚健华平亮晓东鹏飞洪涛立新文静秀英丽娟红梅玉兰春燕"
rnd = random.Random(20191816)
out = ["# Demo roster: the 14 units addressed by the seed document. Codes are the national",
       "# administrative division codes (统计用区划代码 for 济宁高新区); 太白湖新区 and the",
       "# 经济技术开发区 have none, so they carry local codes. 乡镇 names are real; villages,",
       "# 第一书记 and e-mail addresses are demo data. A real roster has the same shape.", "",
       'office = "济宁市委组织部(市下派干部工作联席会议办公室)"',
       'leaders = ["leaders@jining.kaohe.test"]', ""]
for code, name, slug, towns in UNITS:
    out += ["[[county]]", f'code = "{code}"', f'name = "{name}"',
            f'emails = ["zzb@{slug}.kaohe.test", "xpb@{slug}.kaohe.test"]']
    seen = set()
    for town in towns:
        n = rnd.randint(6, 10)
        vs = []
        while len(vs) < n:
            v = rnd.choice(SURN) + rnd.choice(SURN[:40] + "东西南北前后大小") + rnd.choice(SUFF)
            if v in seen: continue
            seen.add(v); vs.append(v)
        for v in vs:
            sec = rnd.choice(SURN) + "".join(rnd.sample(GIVEN, rnd.choice([1, 2])))
            out += ["[[county.village]]", f'town = "{town}"', f'name = "{v}"', f'secretary = "{sec}"']
    out.append("")
open(sys.argv[1], "w", encoding="utf-8").write("\n".join(out))
