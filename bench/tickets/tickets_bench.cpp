// Work-order benchmark: N tickets with generated Chinese text written through
// the daemon's store (one writer thread, group commit, WAL, synchronous=FULL,
// the real create_ticket with sealed caller data and the FTS5 trigram index),
// then full-text search latency, the overdue scans and the database size.
//
//   tickets_bench DIR N [SEARCHES [ARTICLES]]
//
// Prints one "key=value" line per figure. No network, no HTTP: the write path
// measured is the one every ticket-creating request ends in.
#include <sys/stat.h>
#include <cstdlib>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <filesystem>
#include <mutex>
#include <random>
#include <string>
#include <vector>

#include "hotline/core/allocator.hpp"
#include "hotline/core/config.hpp"
#include "hotline/core/metrics.hpp"
#include "hotline/store/database.hpp"
#include "hotline/store/store.hpp"
#include "hotline/tickets/alerts.hpp"
#include "hotline/tickets/editing.hpp"
#include "hotline/tickets/kb.hpp"
#include "hotline/tickets/services.hpp"
#include "hotline/tickets/tickets.hpp"

namespace fs = std::filesystem;
using namespace hotline;
using namespace hotline::tickets;
using Clock = std::chrono::steady_clock;

namespace {

// Vocabulary for realistic-looking requests.
const std::vector<std::string> kDistricts = {"玄武区", "秦淮区", "建邺区", "鼓楼区", "浦口区", "栖霞区",
                                             "雨花台区", "江宁区", "六合区", "溧水区", "高淳区"};
const std::vector<std::string> kStreets = {"中山路", "汉中路", "北京东路", "龙蟠中路", "江东北路", "应天大街",
                                           "雨花西路", "集庆门大街", "草场门大街", "虎踞路", "珠江路", "太平南路",
                                           "梧桐大道", "银杏路", "幸福路", "和平街", "解放路", "人民路"};
const std::vector<std::string> kPlaces = {"小区", "菜市场", "学校门口", "公交站", "十字路口", "地铁站出口",
                                          "商业街", "公园", "医院附近", "工地"};
struct Topic {
  const char* category;
  const char* summary;
  const char* detail;
};
const std::vector<Topic> kTopics = {
    {"0301", "停水", "自昨天起停水，没有任何通知，老人孩子生活很不方便，希望尽快恢复供水"},
    {"0302", "停电", "晚上频繁停电，冰箱里的食物都坏了，请供电部门尽快检修线路"},
    {"0303", "燃气异味", "楼道里有明显的燃气味道，担心发生危险，请燃气公司派人检查"},
    {"0304", "暖气不热", "家里暖气温度只有十几度，多次联系物业没有解决，请供暖单位处理"},
    {"0101", "路面坑洼", "道路上有多处坑洼，雨天积水严重，电动车经过容易摔倒"},
    {"0101", "井盖缺失", "人行道上的井盖缺失，夜间照明不足，行人容易掉进去"},
    {"0102", "树木倒伏", "大风把行道树刮倒了，压在人行道上，影响通行"},
    {"0103", "违章搭建", "楼顶有人违章搭建彩钢房，存在安全隐患，请城管部门查处"},
    {"0104", "物业不作为", "小区垃圾长期无人清理，电梯经常故障，物业公司不作为"},
    {"0203", "乱停车", "车辆长期占用消防通道和人行道停放，交警部门应加强管理"},
    {"0201", "公交班次少", "早高峰公交车班次太少，等车要半个多小时，建议增加班次"},
    {"0402", "消费纠纷", "在商场购买的电器出现质量问题，商家拒绝退换货"},
    {"0401", "食品安全", "餐馆后厨卫生条件很差，吃完饭后出现腹泻症状"},
    {"0502", "拖欠工资", "工地老板拖欠农民工工资三个月，多次讨要没有结果"},
    {"0501", "社保转移", "咨询社保关系跨省转移需要哪些材料，办理流程是什么"},
    {"1002", "噪音扰民", "工地夜间施工噪音很大，严重影响周边居民休息"},
    {"1101", "油烟污染", "楼下饭店油烟直排，家里窗户都不敢开"},
    {"1103", "垃圾分类", "小区垃圾分类设施不足，垃圾桶满了没人清运"},
    {"0602", "入学咨询", "咨询孩子明年上小学的学区划分和报名时间"},
    {"0801", "公积金提取", "咨询租房提取住房公积金需要准备哪些材料"},
};
const std::vector<std::string> kNames = {"王", "李", "张", "刘", "陈", "杨", "赵", "黄", "周", "吴"};

// Queries of 3+ characters (trigram index) and of 2 characters (substring scan).
const std::vector<std::string> kLongQueries = {"井盖缺失", "拖欠工资", "噪音扰民", "暖气不热", "燃气异味",
                                               "中山路", "梧桐大道", "违章搭建", "消防通道", "公积金",
                                               "垃圾分类", "菜市场", "地铁站", "物业公司", "食品安全",
                                               "停水 小区", "珠江路 停电", "油烟直排", "学区划分", "彩钢房"};
const std::vector<std::string> kShortQueries = {"停水", "停电", "噪音", "物业", "社保"};

template <class T>
const T& pick(std::mt19937_64& rng, const std::vector<T>& v) {
  return v[rng() % v.size()];
}

NewTicket make_ticket(std::mt19937_64& rng) {
  const auto& topic = pick(rng, kTopics);
  NewTicket t;
  static const TicketType types[] = {TicketType::complaint, TicketType::help, TicketType::consultation,
                                     TicketType::report, TicketType::suggestion};
  t.type = types[rng() % 5];
  t.channel = rng() % 10 == 0 ? Channel::web : Channel::phone;
  t.category_code = topic.category;
  t.urgency = rng() % 50 == 0 ? Urgency::urgent : Urgency::normal;
  std::string where = pick(rng, kDistricts) + pick(rng, kStreets) + std::to_string(1 + rng() % 300) + "号" +
                      pick(rng, kPlaces);
  t.location = where;
  t.summary = where + topic.summary;
  t.content = "市民反映：" + where + topic.detail + "。来电人表示已经反映过" + std::to_string(1 + rng() % 5) +
              "次，希望相关部门尽快处理并给予答复。";
  if (rng() % 20 != 0) {
    t.caller_name = pick(rng, kNames) + "先生";
    t.caller_phone = "13" + std::to_string(100000000 + rng() % 900000000);
  }
  return t;
}

// Knowledge-base articles: office guides, policies, FAQ ... built from
// matters, departments, districts and sentence patterns, 400-900 characters.
const std::vector<std::string> kMatters = {
    "社保关系转移", "医保异地报销", "住房公积金提取", "居住证办理", "营业执照申领", "不动产登记",
    "新生儿落户", "出入境证件", "机动车年检", "驾驶证换证", "失业金申领", "退休手续",
    "廉租房申请", "公租房配租", "义务教育入学", "残疾人补贴", "高龄津贴", "最低生活保障",
    "个体工商户注册", "食品经营许可", "建设工程规划许可", "排污许可", "户外广告设置", "占道施工审批",
    "婚姻登记", "收养登记", "独生子女证明", "老年优待证", "临时救助", "法律援助"};
const std::vector<std::string> kUnits = {"市人力资源和社会保障局", "市医疗保障局", "市住房公积金管理中心",
                                         "市公安局", "市市场监督管理局", "市规划和自然资源局",
                                         "市交通运输局", "市民政局", "市教育局", "市生态环境局",
                                         "市城市管理局", "市司法局", "市住房保障和房产局", "市卫生健康委员会"};
const std::vector<std::string> kSentences = {
    "申请人须携带本人有效身份证件原件及复印件，到{unit}政务服务窗口提交申请。",
    "{matter}可通过“我的{city}”应用程序在线办理，材料齐全的，三个工作日内办结。",
    "办理{matter}所需材料：身份证、户口簿、近期一寸免冠照片两张以及相关证明材料。",
    "窗口办公时间为工作日上午九点至下午五点，法定节假日不对外办公。",
    "{district}政务服务中心设有{matter}专窗，可现场咨询办理流程。",
    "根据有关规定，符合条件的申请人可享受相应补贴，标准每年调整一次。",
    "材料不齐全或不符合法定形式的，窗口工作人员一次性告知需要补正的全部内容。",
    "委托他人代办的，需提供委托书及受托人身份证件。",
    "办理结果可通过短信通知，也可登录网站查询办理进度。",
    "对办理结果有异议的，可在收到决定之日起六十日内申请行政复议。",
    "{matter}不收取任何费用，请勿相信中介机构的收费承诺。",
    "外地户籍人员在本市连续缴纳社会保险满六个月的，可按规定申请。",
    "本指南自发布之日起施行，由{unit}负责解释。",
    "咨询电话请拨打12345政务服务便民热线，或者到{district}各街道便民服务中心咨询。",
    "网上申报后，请在五个工作日内到窗口提交纸质材料，逾期视为自动放弃。",
    "特殊困难群体可预约上门服务，由社区工作人员协助办理。"};
const std::vector<std::string> kKbLongQueries = {"社保关系转移", "公积金提取", "营业执照", "不动产登记",
                                                 "居住证", "办理流程", "政务服务中心", "委托书",
                                                 "行政复议", "最低生活保障", "驾驶证 换证", "医保 报销",
                                                 "新生儿落户", "食品经营许可", "法律援助"};
const std::vector<std::string> kKbShortQueries = {"社保", "医保", "落户", "护照", "补贴"};

std::string replace_all(std::string text, const std::string& what, const std::string& with) {
  for (auto at = text.find(what); at != std::string::npos; at = text.find(what, at + with.size()))
    text.replace(at, what.size(), with);
  return text;
}

NewArticle make_article(std::mt19937_64& rng, long long i) {
  static const KbSection sections[] = {KbSection::policy,       KbSection::city_guide, KbSection::office_guide,
                                       KbSection::investment_guide, KbSection::department_functions,
                                       KbSection::news,         KbSection::faq};
  static const char* kinds[] = {"办理指南", "政策解读", "常见问题", "服务须知", "办事流程"};
  NewArticle a;
  a.section = sections[rng() % 7];
  const auto& matter = pick(rng, kMatters);
  const auto& unit = pick(rng, kUnits);
  const auto& district = pick(rng, kDistricts);
  a.title = district + matter + kinds[rng() % 5] + "（第" + std::to_string(1 + i / 500) + "版）";
  int sentences = 12 + static_cast<int>(rng() % 16);
  for (int k = 0; k < sentences; ++k) {
    std::string line = pick(rng, kSentences);
    line = replace_all(line, "{unit}", unit);
    line = replace_all(line, "{matter}", k % 3 == 0 ? matter : pick(rng, kMatters));
    line = replace_all(line, "{district}", district);
    line = replace_all(line, "{city}", "南京");
    a.body += line;
  }
  return a;
}

double percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v[std::min(v.size() - 1, static_cast<std::size_t>(p * (v.size() - 1) + 0.5))];
}

double ms_since(Clock::time_point t) { return std::chrono::duration<double, std::milli>(Clock::now() - t).count(); }

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: tickets_bench DIR N [SEARCHES]\n");
    return 2;
  }
  fs::path dir = argv[1];
  long long n = std::stoll(argv[2]);
  int searches = argc > 3 ? std::stoi(argv[3]) : 200;
  long long articles = argc > 4 ? std::stoll(argv[4]) : 10000;
  fs::create_directories(dir);
  auto db_path = dir / "hotline.db";

  Config config;
  if (const char* c = std::getenv("WRITER_CACHE_MIB")) config.store.writer_cache_mib = std::stoi(c);
  if (!std::getenv("GLIBC_DEFAULT_MALLOC")) keep_freed_memory_for_reuse();  // as hotlined's main() does
  Services services(config.tickets, std::string(32, '\x07'));
  Metrics metrics;
  const std::int64_t now = std::chrono::duration_cast<std::chrono::milliseconds>(
                               std::chrono::system_clock::now().time_since_epoch())
                               .count();
  const std::int64_t year_ms = 365LL * 24 * 3600 * 1000;

  // KB searches (bm25-ranked for 3+ characters, substring scans for 2), as
  // GET /api/v1/kb/search runs them; `when` tells before and after the tickets.
  auto kb_searches = [&](const char* when) {
    store::Database db(db_path, store::OpenMode::read_only);
    db.exec("PRAGMA cache_size = -262144");
    for (const auto* queries : {&kKbLongQueries, &kKbShortQueries}) {
      const bool long_words = queries == &kKbLongQueries;
      std::vector<double> times;
      std::size_t hits = 0;
      std::mt19937_64 rng(11);
      for (int i = 0; i < searches; ++i) {
        KbQuery q;
        q.text = pick(rng, *queries);
        q.valid_at = now;
        auto t0 = Clock::now();
        hits += search_articles(db, q).size();
        times.push_back(ms_since(t0));
      }
      const char* name = long_words ? "kb_search_3plus_chars" : "kb_search_2_chars";
      std::printf("%s_%s_p50_ms=%.2f\n%s_%s_p95_ms=%.2f\n%s_%s_max_ms=%.2f\n%s_%s_mean_hits=%.1f\n", name, when,
                  percentile(times, 0.5), name, when, percentile(times, 0.95), name, when, percentile(times, 1.0),
                  name, when, static_cast<double>(hits) / searches);
    }
    std::fflush(stdout);
  };

  // QUERY_ONLY=1: the searches and scans again on a database a KEEP=1 run left.
  const bool query_only = std::getenv("QUERY_ONLY") != nullptr;
  if (query_only) {
    // Opening the store runs migrations a newer build brings (indexes the queries use).
    store::Store store(db_path, config.store, metrics);
    store.stop();
  }

  // 0. Knowledge base: ARTICLES articles through the writer, one job each.
  if (!query_only) {
    store::Store store(db_path, config.store, metrics);
    std::mt19937_64 rng(99);
    std::mutex m;
    std::condition_variable cv;
    long long done = 0, failed = 0;
    std::size_t body_chars = 0;
    auto start = Clock::now();
    for (long long i = 0; i < articles; ++i) {
      NewArticle a = make_article(rng, i);
      body_chars += a.body.size() / 3;  // UTF-8: 3 bytes per Chinese character
      store.write([a = std::move(a), now](store::Database& db) { return add_article(db, a, Actor{std::nullopt, "bench"}, now).id; },
                  [&](std::exception_ptr e, std::int64_t) {
                    std::lock_guard lock(m);
                    ++done;
                    if (e) ++failed;
                    cv.notify_all();
                  });
    }
    std::unique_lock lock(m);
    cv.wait(lock, [&] { return done == articles; });
    std::printf("kb_articles=%lld\nkb_create_seconds=%.1f\nkb_failed=%lld\nkb_mean_chars=%.0f\n", done,
                ms_since(start) / 1000, failed, static_cast<double>(body_chars) / std::max(1LL, articles));
  }
  if (!query_only) kb_searches("before_tickets");

  // 1. Creation through the store's writer (group commit), 4,096 jobs in flight.
  if (!query_only) {
    store::Store store(db_path, config.store, metrics);
    std::mutex m;
    std::condition_variable cv;
    long long in_flight = 0, done = 0, failed = 0;
    const long long window = 4096;
    std::mt19937_64 rng(12345);
    auto start = Clock::now();
    auto last_report = start;
    for (long long i = 0; i < n; ++i) {
      NewTicket t = make_ticket(rng);
      // Filed over the past year, oldest first; 97 % are finished by now.
      std::int64_t at = now - year_ms + (year_ms * i) / std::max(1LL, n);
      bool finished = (rng() % 100) < 97 && at < now - 30LL * 24 * 3600 * 1000;
      {
        std::unique_lock lock(m);
        cv.wait(lock, [&] { return in_flight < window; });
        ++in_flight;
      }
      auto job = [&services, t, at, finished](store::Database& db) {
        auto created = create_ticket(db, services.key, services.rules, t, Actor{std::nullopt, "bench"}, at);
        if (finished) db.query("UPDATE tickets SET state = 'archived' WHERE id = ?", created.id).run();
        return created.id;
      };
      store.write(std::move(job), [&](std::exception_ptr e, std::int64_t) {
        std::lock_guard lock(m);
        --in_flight;
        ++done;
        if (e) ++failed;
        cv.notify_all();
      });
      if (ms_since(last_report) > 10000) {
        last_report = Clock::now();
        std::fprintf(stderr, "progress=%lld rate=%.0f/s\n", i, i / (ms_since(start) / 1000));
      }
    }
    {
      std::unique_lock lock(m);
      cv.wait(lock, [&] { return in_flight == 0; });
    }
    double secs = ms_since(start) / 1000;
    std::printf("tickets=%lld\ncreate_seconds=%.1f\ncreate_per_second=%.0f\ncreate_failed=%lld\n", done, secs,
                done / secs, failed);
    std::fflush(stdout);
    store.stop();  // checkpoints the WAL
  }

  // 2. Searches, overdue scans and size on a read-only connection, as a reader thread would.
  store::Database db(db_path, store::OpenMode::read_only);
  db.exec("PRAGMA cache_size = -262144");  // 256 MiB, like a warmed-up reader
  auto run_queries = [&](const std::vector<std::string>& queries, const char* name) {
    std::vector<double> times;
    std::size_t hits = 0;
    std::mt19937_64 rng(7);
    for (int i = 0; i < searches; ++i) {
      TicketFilter f;
      f.limit = 20;
      auto t0 = Clock::now();
      hits += search_tickets(db, f, pick(rng, queries)).size();
      times.push_back(ms_since(t0));
    }
    std::printf("%s_searches=%d\n%s_p50_ms=%.2f\n%s_p95_ms=%.2f\n%s_max_ms=%.2f\n%s_mean_hits=%.1f\n", name, searches,
                name, percentile(times, 0.5), name, percentile(times, 0.95), name, percentile(times, 1.0), name,
                static_cast<double>(hits) / searches);
  };
  run_queries(kLongQueries, "search_3plus_chars");
  {
    // Two-character words are substring scans; only a few, they are slow by design.
    int saved = searches;
    searches = std::max(3, searches / 20);
    run_queries(kShortQueries, "search_2_chars");
    searches = saved;
    // The worst case of a short word: found nowhere, so the request reads its
    // whole window (TicketFilter::scan_tickets) and returns where to go on.
    TicketFilter f;
    f.limit = 20;
    auto t0 = Clock::now();
    auto page = search_ticket_page(db, f, "狗咬");
    std::printf("search_2_chars_absent_window_ms=%.1f\nsearch_2_chars_absent_window_tickets=%lld\n"
                "search_2_chars_absent_next_before_id=%lld\n",
                ms_since(t0), static_cast<long long>(f.scan_tickets),
                static_cast<long long>(page.next_before_id.value_or(0)));
  }
  {
    auto t0 = Clock::now();
    TicketFilter f;
    f.overdue_at = now;
    f.limit = 1000;
    auto list = list_tickets(db, f);
    std::printf("list_tickets_overdue_1000_ms=%.1f\nlist_tickets_overdue_rows=%zu\n", ms_since(t0), list.size());
    // What GET /api/v1/tickets?overdue=1 runs: the partial index tickets_open, newest first.
    t0 = Clock::now();
    list = list_overdue(db, f, now);
    std::printf("overdue_list_1000_ms=%.1f\noverdue_list_rows=%zu\n", ms_since(t0), list.size());
    t0 = Clock::now();
    TicketFilter all = f;
    all.limit = 1000;
    std::size_t total = 0;
    for (;;) {  // every overdue ticket, page by page
      auto page = list_overdue(db, all, now);
      total += page.size();
      if (page.size() < 1000) break;
      all.before_id = page.back().id;
    }
    std::printf("overdue_all_pages_ms=%.1f\noverdue_total=%zu\n", ms_since(t0), total);
    t0 = Clock::now();
    auto candidates = escalation_candidates(db, now, 0.8, 100000);
    std::printf("escalation_scan_ms=%.1f\nescalation_candidates=%zu\n", ms_since(t0), candidates.size());
    if (query_only && std::getenv("STEADY")) {
      // The scheduler's steady state: every escalation due so far has fired
      // (fired here, 100,000 a transaction, on a second connection), so a
      // pass finds only what crossed a threshold since the last one.
      store::Database rw(db_path, store::OpenMode::read_write);
      std::size_t fired = 0;
      auto fire_start = Clock::now();
      for (;;) {
        auto batch = escalation_candidates(rw, now, 0.8, 100000);
        if (batch.empty()) break;
        rw.exec("BEGIN IMMEDIATE");
        fired += fire_escalations(rw, batch, now).size();
        rw.exec("COMMIT");
      }
      std::printf("escalations_fired=%zu\nescalations_fire_seconds=%.1f\n", fired, ms_since(fire_start) / 1000);
      t0 = Clock::now();
      candidates = escalation_candidates(db, now, 0.8, 100000);
      std::printf("escalation_scan_steady_ms=%.1f\nescalation_candidates_steady=%zu\n", ms_since(t0),
                  candidates.size());
    }
    auto& s = db.prepare(
        "SELECT COUNT(*) FROM tickets WHERE state NOT IN ('closed_on_spot', 'rejected', 'referred', 'closed', "
        "'merged', 'archived')");
    s.step();
    std::printf("open_tickets=%lld\n", static_cast<long long>(s.int64(0)));
    s.run();
  }
  kb_searches("after_tickets");
  struct stat st {};
  ::stat(db_path.c_str(), &st);
  if (query_only) {
    auto& count = db.prepare("SELECT COUNT(*) FROM tickets");
    count.step();
    n = count.int64(0);
    count.run();
  }
  std::printf("db_bytes=%lld\ndb_bytes_per_ticket=%.0f\n", static_cast<long long>(st.st_size),
              static_cast<double>(st.st_size) / std::max(1LL, n));
  return 0;
}
